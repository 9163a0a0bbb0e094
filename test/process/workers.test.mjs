// Worker threads: the stop protocol, terminate() after the timeout, exit() ends only the worker.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario, signalOn } from '../helpers/run-scenario.mjs';
import { assertDiedBy, knownDifference } from '../helpers/runtime.mjs';

const DENO_EXITED_WORKER = {
  reason: "Deno keeps worker.threadId after the worker exited (Node sets it to -1), so stopWorker() cannot tell that a worker is gone: it asks it to stop and waits out its timeout",
  failure: /still running after|stopWorker \{"code":null,"terminated":false\}/,
};
const DENO_WORKER_SIGNALS = {
  reason: "Deno delivers the process's signals to a worker thread's own process.on() listeners too: the worker's farewell starts its own exit on SIGTERM, racing the main thread's stop request",
  failure: /worker exit code 1|worker shutdownSignal aborted: undefined/,
  intermittent: true,
};

for (const format of FORMATS) {
  describe(`worker threads [${format}]`, { concurrency: 4 }, () => {
    for (const when of ['ready', 'early']) {
      test(`stopWorker(): the worker's shutdownSignal aborts and its hooks finish (asked when ${when})`, async () => {
        const result = await runScenario('process-workers:stop', { format, args: ['cooperative', when, '10000'] });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(result.events, [
          'worker shutdownSignal aborted: the parent thread asked this worker to stop',
          'worker hook done',
          'stopWorker {"code":0,"terminated":false}',
          'took at least the timeout: false',
        ]);
      });
    }

    test('a worker whose hook hangs is terminated after the timeout', async () => {
      const result = await runScenario('process-workers:stop', { format, args: ['hanging', 'ready', '400'] });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.events, ['worker hook started', 'stopWorker {"code":1,"terminated":true}', 'took at least the timeout: true']);
    });

    test("a worker's exit(3) ends only the worker, after its hooks", async () => {
      const result = await runScenario('process-workers:workerExit', { format });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.events, ['worker hook ran', 'worker exit code 3', 'main thread still running']);
    });

    test('listening for stop requests does not keep a worker alive', async () => {
      const result = await runScenario('process-workers:idleWorker', { format });
      assert.deepEqual(result.events, ['idle worker exit code 0']);
    });

    test('stopWorker() on a worker that has already exited resolves at once, its code unknown', knownDifference({ deno: DENO_EXITED_WORKER }, async () => {
      const result = await runScenario('process-workers:stopExited', { format, limitMs: 8000 });
      assert.deepEqual(result.events, ['stopWorker {"code":null,"terminated":false}']);
    }));

    test('stopOnExit(worker): on SIGTERM the main thread stops the worker, then dies by SIGTERM', knownDifference({ deno: DENO_WORKER_SIGNALS }, async (t) => {
      const result = await runScenario('process-workers:stopOnExit', { format, onEvent: signalOn('SIGTERM') });
      assertDiedBy(t, result, 'SIGTERM', result.stderr);
      assert.deepEqual(result.events, [
        'ready',
        'worker shutdownSignal aborted: the parent thread asked this worker to stop',
        'worker hook done',
        'worker exit code 0',
      ]);
    }));
  });
}
