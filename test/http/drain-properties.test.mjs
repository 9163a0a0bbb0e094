// Randomized proof of the HTTP drain (issue 9, part 3): fast-check draws
// client schedules (keep-alive, pipelining during the drain too, slow uploads
// with Content-Length and chunked, idle pooled connections, silent clients,
// half-sent headers, new connections during the delay, clients that ignore
// Connection: close, HTTP/2 streams, WebSockets) and a random moment for the
// drain, runs them against a real server on 127.0.0.1, and checks the three
// invariants (test/helpers/drain-schedules.mjs): nothing the application ran
// goes unanswered unless reported cut at the timeout; a request fails only
// for a reason its client could see; the drain ends by itself in time.
// Most schedules run in this process (trackServer + close, the drain's start
// is close()); a slice runs in real node children, ESM and CJS
// (drainOnExit + SIGTERM), where the process's own end is checked.
//
// The seed is printed at the start. Replay a failing run (fast-check prints
// its seed and path with the shrunk schedule):
//   FAREWELL_PROPERTY_SEED=<seed> FAREWELL_PROPERTY_PATH=<path> node --test test/http/drain-properties.test.mjs
// FAREWELL_PROPERTY_RUNS=<n> changes the number of in-process schedules (default 200).
// FAREWELL_PROPERTY_IDLE_KEEP_ALIVE=close runs them with idleKeepAlive: 'close', to see what that option
// gives up (invariant (b) fails: a pool's request races the FIN).
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { WebSocketServer } from 'ws';
import { DrainTimeoutError, trackServer } from 'farewell/http';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { SLACK_MS, checkInvariants, http1Application, http2Application, runClients, scheduleArbitrary } from '../helpers/drain-schedules.mjs';

const SEED = Number(process.env.FAREWELL_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const PATH = process.env.FAREWELL_PROPERTY_PATH;
const RUNS = Number(process.env.FAREWELL_PROPERTY_RUNS ?? 200);
const CHILD_RUNS = Number(process.env.FAREWELL_PROPERTY_CHILD_RUNS ?? 16);
const IDLE_KEEP_ALIVE = process.env.FAREWELL_PROPERTY_IDLE_KEEP_ALIVE;
process.stdout.write(`# drain properties: seed ${SEED} (replay: FAREWELL_PROPERTY_SEED=${SEED} node --test test/http/drain-properties.test.mjs)\n`);

/** What happened to the requests of every schedule, by reason: printed, to show what the runs covered. */
const stats = {};
const outcomes = {};

/**
 * The worst moment for a pool: when the server starts closing its side of a
 * connection (destroy, end, destroySoon), an armed pool client sends on it in
 * that same instant, before it can have seen any FIN.
 */
function armServerSide(socket, clientsOf) {
  const { remotePort } = socket;
  for (const method of ['destroy', 'end', 'destroySoon']) {
    const original = socket[method];
    socket[method] = function closeAfterTheClientSends(...args) {
      clientsOf()?.serverClosing(remotePort);
      return original.apply(this, args);
    };
  }
}

/** Runs one schedule against a server in this process; resolves with the violations. */
async function runInProcess(schedule) {
  let clients;
  const executed = new Set();
  const accepted = new Set();
  const server = schedule.server === 'http2' ? http2.createServer() : http.createServer(http1Application((id) => executed.add(id)));
  if (schedule.server === 'http2') server.on('stream', http2Application((id) => executed.add(id)));
  server.on('connection', (socket) => {
    accepted.add(socket.remotePort);
    armServerSide(socket, () => clients);
  });
  const webSockets = schedule.clients.some((client) => client.kind === 'websocket') ? new WebSocketServer({ server }) : undefined;
  webSockets?.on('connection', (socket) => socket.on('error', () => {}));
  const drain = trackServer(server);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address();
  clients = runClients(schedule, port);
  // The drain starts when it closes the listener (after the delay).
  let drainStartAt;
  const close = server.close;
  server.close = function closeAndRecord(...args) {
    drainStartAt ??= clients.now();
    return close.apply(this, args);
  };
  await new Promise((resolve) => setTimeout(resolve, schedule.drainAt));
  const options = {
    delay: schedule.delay,
    timeout: schedule.timeout,
    idleGrace: schedule.idleGrace,
    ...(webSockets ? { webSockets } : {}),
    ...(IDLE_KEEP_ALIVE === undefined ? {} : { idleKeepAlive: IDLE_KEEP_ALIVE }),
  };
  let hung;
  const guard = setTimeout(() => (hung = `still draining ${schedule.delay + schedule.timeout + 3000} ms after close()`), schedule.delay + schedule.timeout + 3000);
  const report = await Promise.race([
    drain.close(options).catch((error) => {
      if (error instanceof DrainTimeoutError) return error.report;
      throw error;
    }),
    new Promise((resolve) => setTimeout(() => resolve({ outcome: 'hung', requestsCut: [], connectionsDestroyed: 0 }), schedule.delay + schedule.timeout + 3000)),
  ]);
  clearTimeout(guard);
  const drainEndAt = clients.now();
  // Let the clients see the end of every connection, then stop what is left.
  await Promise.race([clients.done, new Promise((resolve) => setTimeout(resolve, 400))]);
  clients.stop();
  webSockets?.close();
  if (server.listening) server.closeAllConnections?.();
  return checkInvariants({
    requests: clients.requests,
    executed,
    accepted,
    report,
    drainStartAt: drainStartAt ?? drainEndAt,
    drainEndAt,
    timeout: schedule.timeout,
    idleGrace: schedule.idleGrace,
    slack: SLACK_MS.inProcess,
    hung,
    stats,
  }).concat(countOutcome(report));
}

function countOutcome(report) {
  const key = `${report.outcome}${report.connectionsDestroyed > 0 ? `, ${report.connectionsDestroyed > 1 ? 'connections' : 'a connection'} destroyed` : ''}`;
  outcomes[key] = (outcomes[key] ?? 0) + 1;
  return [];
}

/**
 * Runs one schedule against `http:scheduleServer` in a real node child:
 * drainOnExit() with the schedule's options, SIGTERM at `drainAt`. The
 * child reports what ran, what it accepted and when its listener closed;
 * the report comes from stderr (the timeout's cleanup failure names the cut
 * requests). Resolves with the violations.
 */
async function runInChild(schedule, format) {
  const executed = new Set();
  const accepted = new Set();
  let port;
  let child;
  let clients;
  let drainStartAt;
  let readyResolve;
  const ready = new Promise((resolve) => (readyResolve = resolve));
  const options = { server: schedule.server, delay: schedule.delay, timeout: schedule.timeout, idleGrace: schedule.idleGrace, webSockets: schedule.clients.some((client) => client.kind === 'websocket') };
  const running = runScenario('http:scheduleServer', {
    format,
    args: [JSON.stringify(options)],
    limitMs: 20_000,
    onSpawn: (spawned) => (child = spawned),
    onEvent(line) {
      const [name, value] = line.split(' ');
      if (name === 'port') port = Number(value);
      else if (name === 'executed') executed.add(Number(value));
      else if (name === 'accepted') accepted.add(Number(value));
      else if (line === 'listener closed') drainStartAt ??= clients?.now();
      else if (line === 'ready') readyResolve();
    },
  });
  await Promise.race([ready, running]);
  clients = runClients(schedule, port);
  await new Promise((resolve) => setTimeout(resolve, schedule.drainAt));
  const signalledAt = clients.now();
  child.kill('SIGTERM');
  const result = await running;
  const exitedAt = clients.now();
  await Promise.race([clients.done, new Promise((resolve) => setTimeout(resolve, 400))]);
  clients.stop();
  const violations = [];
  // (c) the process ends by itself: by the re-raised SIGTERM, within delay + timeout (+ start-up slack).
  if (result.signal !== 'SIGTERM') violations.push(`(c) the child ended with ${result.signal ?? `code ${result.code}`}, not by its own SIGTERM: ${result.stderr}`);
  if (exitedAt - signalledAt > schedule.delay + schedule.timeout + 1000) violations.push(`(c) the child ended ${(exitedAt - signalledAt).toFixed(0)} ms after SIGTERM (delay ${schedule.delay}, timeout ${schedule.timeout})`);
  const report = reportFromStderr(result.stderr);
  if (report === undefined && result.stderr !== '') violations.push(`unexpected stderr: ${result.stderr}`);
  violations.push(
    ...checkInvariants({
      requests: clients.requests,
      executed,
      accepted,
      report: report ?? { outcome: 'drained', requestsCut: [], connectionsDestroyed: 0 },
      drainStartAt: drainStartAt ?? exitedAt,
      drainEndAt: exitedAt,
      timeout: schedule.timeout,
      idleGrace: schedule.idleGrace,
      slack: SLACK_MS.child,
      stats,
    }).filter((violation) => !violation.startsWith('(c) the drain ended')),
  );
  return violations;
}

/** The drain report as far as the timeout's message on stderr gives it. */
function reportFromStderr(stderr) {
  const match = /farewell: the drain of .+? (?:timed out|was cut short) after \d+ ms: (?:no request had reached the application|cut \d+ requests? \(([^)]*)\)); destroyed (\d+) connections?/.exec(stderr);
  if (match === null) return undefined;
  const routes = (match[1] ?? '')
    .split(', ')
    .filter(Boolean)
    .map((entry) => ({ route: entry.replace(/^(?:upgraded )?\S+ /, '').replace(/ ×\d+$/, '') }));
  return { outcome: 'timed-out', requestsCut: routes, connectionsDestroyed: Number(match[2]) };
}

describe('the HTTP drain under random client schedules', { concurrency: 1 }, () => {
  test(`${RUNS} schedules in this process: the three invariants hold`, { timeout: 10 * 60_000 }, async () => {
    const started = performance.now();
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary(fc), async (schedule) => {
        const violations = await runInProcess(schedule);
        assert.deepEqual(violations, [], `schedule ${JSON.stringify(schedule)}`);
      }),
      { numRuns: RUNS, seed: SEED, ...(PATH === undefined ? {} : { path: PATH }), endOnFailure: false, includeErrorInReport: true },
    );
    process.stdout.write(`# ${RUNS} in-process schedules in ${((performance.now() - started) / 1000).toFixed(1)} s; drains: ${JSON.stringify(outcomes)}\n# requests: ${JSON.stringify(stats)}\n`);
  });

  test(`${CHILD_RUNS} schedules in real node children (ESM and CJS, drainOnExit + SIGTERM): the invariants hold and the process ends by itself`, { timeout: 10 * 60_000 }, async () => {
    const started = performance.now();
    const schedules = fc.sample(scheduleArbitrary(fc), { numRuns: CHILD_RUNS, seed: SEED + 1 });
    for (const [index, schedule] of schedules.entries()) {
      const format = FORMATS[index % FORMATS.length];
      const violations = await runInChild(schedule, format);
      assert.deepEqual(violations, [], `child schedule ${index} (${format}, seed ${SEED + 1}): ${JSON.stringify(schedule)}`);
    }
    process.stdout.write(`# ${CHILD_RUNS} child schedules in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  });
});
