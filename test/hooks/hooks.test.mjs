// onExit() in real processes: order, async, failures, timeouts, groups.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario, signalOn } from '../helpers/run-scenario.mjs';
import { DIFFERENCES, assertDiedBy, knownDifference } from '../helpers/runtime.mjs';

for (const format of FORMATS) {
  describe(`exit hooks [${format}]`, { concurrency: 4 }, () => {
    test('run newest first (LIFO)', async () => {
      const result = await runScenario('hooks:lifo', { format });
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['C', 'B', 'A']);
    });

    test('async hooks are awaited before the process exits', async () => {
      const result = await runScenario('hooks:asyncAwaited', { format });
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['sync', 'async done', 'exit event']);
    });

    for (const [status, expected] of [['0', 1], ['3', 3]]) {
      test(`a throwing hook is reported by name, the others run; exit(${status}) → ${expected}`, async () => {
        const result = await runScenario('hooks:throwing', { format, args: [status] });
        assert.equal(result.code, expected);
        assert.deepEqual(result.events, ['earlier hook ran']);
        assert.match(result.stderr, /^farewell: exit hook "cleanupCache" failed after \d+ ms:\nError: cache exploded\n {4}at /);
      });

      test(`a rejecting hook is reported by name, the others run; exit(${status}) → ${expected}`, async () => {
        const result = await runScenario('hooks:rejecting', { format, args: [status] });
        assert.equal(result.code, expected);
        assert.deepEqual(result.events, ['earlier hook ran']);
        assert.match(result.stderr, /^farewell: exit hook "db" failed after \d+ ms:\nError: db gone\n {4}at /);
      });
    }

    test("a hook's own timeout aborts its signal, reports it and moves on", async () => {
      const result = await runScenario('hooks:hookTimeout', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['aborted TimeoutError', 'next hook ran']);
      assert.equal(result.stderr, 'farewell: exit hook "slow" timed out after 200 ms; continuing with the next hooks\n');
      assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test(
      'the global deadline names the running and the unstarted hooks and what keeps the process alive',
      knownDifference({ bun: { reason: DIFFERENCES.bunActiveResources, failure: /Keeping the process alive: unknown \(this runtime does not list them\)/ } }, async () => {
        const result = await runScenario('hooks:deadline', { format });
        assert.equal(result.code, 1);
        assert.deepEqual(result.events, ['aborted TimeoutError']);
        assert.match(
          result.stderr,
          /^farewell: the exit did not finish within 300 ms; still running: "stuck" \(running for \d+ ms\); not started: "never"\. Keeping the process alive: .*Timeout/,
        );
        assert.ok(result.ms >= 300 && result.ms < 5000, `took ${result.ms} ms`);
      }),
    );

    test('a hook nothing can settle is reported as soon as the event loop empties', async () => {
      const result = await runScenario('hooks:stalled', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['next hook ran']);
      assert.match(result.stderr, /^farewell: exit hook "forgotten" \(running for \d+ ms\) never settled: the event loop emptied/);
      assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test('hooks of one group run concurrently, as one LIFO step', async () => {
      const result = await runScenario('hooks:groups', { format });
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['B start', 'A start', 'B end', 'A end', 'C']);
    });

    test('a hook registered while exiting runs next', async () => {
      const result = await runScenario('hooks:registerWhileExiting', { format });
      assert.deepEqual(result.events, ['first', 'added', 'last']);
    });

    test('unregister() is idempotent and safe inside a running hook', async () => {
      const result = await runScenario('hooks:unregisterInside', { format });
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['A', 'B']);
      assert.equal(result.stderr, '');
    });

    test("unregistering every hook removes the listeners: SIGTERM kills as Node's default", async (t) => {
      const result = await runScenario('hooks:unregisterAll', { format, onEvent: signalOn('SIGTERM') });
      assertDiedBy(t, result, 'SIGTERM');
      assert.deepEqual(result.events, ['added listeners 0 0 0 0 0', 'ready']);
    });

    test('hooks receive the trigger, the status and a live AbortSignal (exit)', async () => {
      const result = await runScenario('hooks:context', { format, args: ['exit'] });
      assert.deepEqual(result.events, ['exit - 3 aborted=false']);
    });

    test('hooks receive the trigger, the status and a live AbortSignal (signal)', async (t) => {
      const result = await runScenario('hooks:context', { format, args: ['signal'], onEvent: signalOn('SIGTERM') });
      assertDiedBy(t, result, 'SIGTERM');
      assert.deepEqual(result.events, ['ready', 'signal SIGTERM 143 aborted=false']);
    });

    test('a hook that blocks the event loop past the deadline ends the exit as at the deadline (reliability defect 2)', async () => {
      const result = await runScenario('hooks:blockingHook', { format, args: ['1500'] });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['blocking done']);
      assert.match(result.stderr, /^farewell: the exit did not finish within 500 ms; not started: "older hook"\. Keeping the process alive: /);
      assert.ok(result.ms >= 1500 && result.ms < 5000, `took ${result.ms} ms`);
    });

    test('a second signal sent while a hook blocks the loop forces the end once the hook returns (reliability defect 2)', async (t) => {
      let signalled = 0;
      const result = await runScenario('hooks:signalDuringBlockingHook', {
        format,
        onEvent: (event, child) => {
          if (event === 'ready') child.kill('SIGTERM');
          // 1.2 s into the 1.5 s block: outside the 1 s window in which a repeat is a relayed duplicate.
          if (event === 'blocking' && signalled++ === 0) setTimeout(() => child.kill('SIGTERM'), 1200);
        },
      });
      assertDiedBy(t, result, 'SIGTERM');
      assert.deepEqual(result.events, ['ready', 'blocking', 'blocking done']);
      assert.match(result.stderr, /^farewell: received SIGTERM again during the exit: ending now; not started: "older hook"\n$/);
    });

    test('100 000 hooks run within the default deadline, each once (reliability defect 3)', async () => {
      const result = await runScenario('hooks:manyHooks', { format, args: ['100000'] });
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['ran 100000']);
      assert.equal(result.code, 0);
    });
  });
}
