// The exit report (onExitReport, FAREWELL_REPORT) and the diagnostics
// channels, in real processes through the ESM and the CommonJS build.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FORMATS, runScenario, signalOn } from '../helpers/run-scenario.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';
import { DIFFERENCES, RUNTIME, assertDiedBy, knownDifference } from '../helpers/runtime.mjs';

const lastReport = (result) => JSON.parse(result.events.at(-1));

for (const format of FORMATS) {
  describe(`the exit report [${format}]`, { concurrency: 4 }, () => {
    test('a SIGTERM exit: trigger, each hook with its outcome, the flush, the failures, the details, the end', async (t) => {
      const result = await runScenario('report:signalled', { format, onEvent: signalOn('SIGTERM') });
      assertDiedBy(t, result, 'SIGTERM');
      assert.deepEqual(lastReport(result), {
        trigger: { kind: 'signal', signal: 'SIGTERM' },
        end: { kind: 'signal', signal: 'SIGTERM', status: 143 },
        deadlineMs: 10000,
        hooks: [
          { name: 'queue', group: 'g', outcome: 'completed', cutBy: null, error: null },
          { name: 'cache', group: 'g', outcome: 'failed', cutBy: null, error: 'cache exploded' },
          { name: 'slow', group: null, outcome: 'timed-out', cutBy: null, error: null },
          { name: 'last', group: null, outcome: 'completed', cutBy: null, error: null },
        ],
        notStarted: [],
        flush: { stdout: 'flushed', stderr: 'flushed' },
        forcedBy: null,
        activeResourcesAtDeadline: null,
        cleanupFailed: true,
        failures: ['farewell: the queue was not empty'],
        details: [{ source: 'my-app', data: { queued: 3 } }],
        times: true,
      });
    });

    test('the deadline: the cut hook, the skipped one, what kept the loop alive; 0 became 1', async (t) => {
      const result = await runScenario('report:deadline', { format });
      assert.equal(result.code, 1);
      const report = lastReport(result);
      assert.deepEqual(report.hooks, [{ name: 'stuck', group: null, outcome: 'cut', cutBy: 'deadline', error: null }]);
      assert.deepEqual(report.notStarted, ['skipped']);
      assert.deepEqual([report.forcedBy, report.cleanupFailed, report.end], ['deadline', true, { kind: 'exit', status: 1 }]);
      await t.test(
        'the report says something kept the loop alive',
        knownDifference({ bun: { reason: DIFFERENCES.bunActiveResources, failure: /^activeResourcesAtDeadline null/ } }, () => {
          assert.equal(report.activeResourcesAtDeadline, true, `activeResourcesAtDeadline ${report.activeResourcesAtDeadline}`);
        }),
      );
    });

    test('a direct process.exit(3): hooks run synchronously, the async one is unawaited', async () => {
      const result = await runScenario('report:processExit', { format });
      assert.equal(result.code, 3);
      const report = lastReport(result);
      assert.deepEqual(report.trigger, { kind: 'process-exit' });
      assert.deepEqual(report.hooks.map(({ name, outcome }) => [name, outcome]), [['sync', 'completed'], ['async', 'unawaited']]);
      assert.deepEqual(report.end, { kind: 'exit', status: 3 });
    });

    test('diagnostics channels: one message per step, in order', async () => {
      const result = await runScenario('report:channels', { format });
      assert.equal(result.code, 2);
      assert.deepEqual(result.events, [
        'farewell:exit:start exit',
        'farewell:hook:start a',
        'farewell:hook:end a completed',
        'farewell:hook:start b',
        'farewell:hook:end b completed',
        'farewell:exit:flush flushed',
        'farewell:exit:end exit',
      ]);
    });

    test("farewell/http's drain report and farewell/process's terminations are details of the exit report", async () => {
      const result = await runScenario('report:siblings', { format, onEvent: signalOn('SIGTERM') });
      assert.equal(result.signal, 'SIGTERM');
      assert.deepEqual(JSON.parse(result.events.at(-1)), [
        ['farewell/http', 'drained', 0],
        ['farewell/process', 'child', false],
      ]);
    });

    test('FAREWELL_REPORT=path writes the report as JSON, errors with their message and stack', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'farewell-report-'));
      try {
        const path = join(dir, 'exit.json');
        const result = await runScenario('report:toFile', { format, env: { FAREWELL_REPORT: path } });
        assert.equal(result.code, 1);
        const report = JSON.parse(readFileSync(path, 'utf8'));
        assert.deepEqual(report.trigger, { kind: 'exit' });
        assert.deepEqual(report.end, { kind: 'exit', status: 1 });
        assert.equal(report.hooks[0].error.message, 'boom');
        assert.match(report.hooks[0].error.stack, /^Error: boom\n {4}at /);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('examples/observability/opentelemetry.mjs turns the channels into OpenTelemetry spans: one per hook, children of the exit', async () => {
  const example = fileURLToPath(new URL('../../examples/observability/opentelemetry.mjs', import.meta.url));
  const [command, ...flags] = RUNTIME.command;
  const result = await spawnProcess(command, [...flags, example]).done;
  assert.equal(result.code, 1);
  assert.equal(
    result.stdout.toString(),
    'exit hook flushCache parent=exit outcome=failed error=true\n' +
      'exit hook closeDatabase parent=exit outcome=completed error=false\n' +
      'exit parent=- outcome=- error=true\n',
  );
});
