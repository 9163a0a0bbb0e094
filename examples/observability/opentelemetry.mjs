// The exit as OpenTelemetry spans: one span for the exit, one child span per
// exit hook, from farewell's diagnostics channels. farewell knows nothing of
// OpenTelemetry; any tracer can subscribe the same way.
import diagnostics from 'node:diagnostics_channel';
import { context, SpanStatusCode, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { exit, exitChannels, onExit } from 'farewell';

// In production: your exporter. In memory here, printed at the end.
const exporter = new InMemorySpanExporter();
const tracer = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }).getTracer('farewell');

let exitSpan;
const hookSpans = new Map();
diagnostics.subscribe(exitChannels.start, ({ trigger, status }) => {
  exitSpan = tracer.startSpan('exit', { attributes: { 'farewell.trigger': trigger.kind, 'farewell.status.requested': status } });
});
diagnostics.subscribe(exitChannels.hookStart, ({ name }) => {
  hookSpans.set(name, tracer.startSpan(`exit hook ${name}`, {}, trace.setSpan(context.active(), exitSpan)));
});
diagnostics.subscribe(exitChannels.hookEnd, ({ name, outcome, error }) => {
  const span = hookSpans.get(name);
  span.setAttribute('farewell.outcome', outcome);
  if (outcome !== 'completed') span.setStatus({ code: SpanStatusCode.ERROR, message: error?.message ?? outcome });
  span.end();
});
diagnostics.subscribe(exitChannels.end, (report) => {
  exitSpan.setAttribute('farewell.status', report.end.status);
  if (report.cleanupFailed) exitSpan.setStatus({ code: SpanStatusCode.ERROR, message: 'cleanup failed' });
  exitSpan.end();
  // The process ends right after this message: export synchronously here
  // (a BatchSpanProcessor would lose the last spans).
  for (const span of exporter.getFinishedSpans()) {
    const parent = span.parentSpanContext?.spanId === exitSpan.spanContext().spanId ? 'exit' : '-';
    console.log(`${span.name} parent=${parent} outcome=${span.attributes['farewell.outcome'] ?? '-'} error=${span.status.code === SpanStatusCode.ERROR}`);
  }
});

onExit(async function closeDatabase() {
  await new Promise((resolve) => setTimeout(resolve, 20));
});
onExit(function flushCache() {
  throw new Error('cache unreachable');
});

exit(0);
