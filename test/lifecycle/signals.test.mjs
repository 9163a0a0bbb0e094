// Signals in real processes: cleanup, then death by the same signal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { FORMATS, runScenario, signalOn } from '../helpers/run-scenario.mjs';
import { RUNTIME, assertDiedBy } from '../helpers/runtime.mjs';

for (const format of FORMATS) {
  describe(`signals [${format}]`, { concurrency: 4 }, () => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      test(`${signal}: hooks run, then the process dies by ${signal}`, async (t) => {
        const result = await runScenario('signals:cleanupThenDie', { format, onEvent: signalOn(signal) });
        assertDiedBy(t, result, signal);
        // 'exit' listeners run before the death, as on process.exit().
        assert.deepEqual(result.events, ['ready', `cleanup done after ${signal}`, `exit event ${128 + { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[signal]}`]);
        assert.equal(result.stderr, '');
      });
    }

    for (const [signal, status] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) {
      test(`signalExit 'code': ${signal} exits with ${status}`, async () => {
        const result = await runScenario('signals:cleanupThenDie', { format, args: ['code'], onEvent: signalOn(signal) });
        assert.equal(result.signal, null);
        assert.equal(result.code, status);
        assert.deepEqual(result.events, ['ready', `cleanup done after ${signal}`, `exit event ${status}`]);
      });
    }

    test('signalExit 0: SIGTERM exits with 0 (for orchestrators)', async () => {
      const result = await runScenario('signals:cleanupThenDie', { format, args: ['0'], onEvent: signalOn('SIGTERM') });
      assert.equal(result.signal, null);
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['ready', 'cleanup done after SIGTERM', 'exit event 0']);
    });

    test('a re-raise absorbed by another listener ends with 128 + n, no hang', async () => {
      const result = await runScenario('signals:absorbed', { format, onEvent: signalOn('SIGTERM') });
      assert.equal(result.signal, null);
      assert.equal(result.code, 143);
      assert.deepEqual(result.events, ['ready', 'other listener', 'hook', 'other listener']);
      assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test('a second signal names the pending hooks and ends at once by that signal', async (t) => {
      const result = await runScenario('signals:secondSignal', {
        format,
        onEvent: (event, child) => {
          if (event === 'ready') child.kill('SIGINT');
          // A person's second Ctrl+C comes later than a relaying supervisor's duplicate (within 1 s).
          if (event === 'hook started') setTimeout(() => child.kill('SIGTERM'), 1100);
        },
      });
      assertDiedBy(t, result, 'SIGTERM');
      assert.deepEqual(result.events, ['ready', 'hook started']);
      assert.match(
        result.stderr,
        /^farewell: received SIGTERM again during the exit: ending now; still running: "slow-close" \(running for 1\.\d s\); not started: "flush-metrics"\n$/,
      );
      assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test('shutdownSignal aborts when the exit begins, its reason names the signal', async (t) => {
      const result = await runScenario('signals:shutdownSignal', { format, onEvent: signalOn('SIGTERM') });
      assertDiedBy(t, result, 'SIGTERM');
      assert.deepEqual(result.events, [
        'aborted before: false',
        'ready',
        'AbortError|The exit started: SIGTERM|signal|SIGTERM|true',
        'hook',
      ]);
    });

    test('configured signals replace the defaults (SIGUSR2 only when asked)', async (t) => {
      const result = await runScenario('signals:customSignals', { format, onEvent: signalOn('SIGUSR2') });
      assertDiedBy(t, result, 'SIGUSR2');
      assert.deepEqual(result.events, ['SIGTERM listeners 0, SIGUSR2 listeners 1', 'ready', 'hook']);
    });

    test('signalExit 0 and a failing hook: the failure turns 0 into 1 (reliability defect 13)', async () => {
      const result = await runScenario('signals:failingHookWithSignalExit', { format, args: ['0'], onEvent: signalOn('SIGTERM') });
      assert.equal(result.signal, null);
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['ready', 'older hook']);
      assert.match(result.stderr, /^farewell: exit hook "failing" failed after \d+ ms:\nError: cache exploded\n/);
    });

    for (const [first, second, gap] of [['SIGTERM', 'SIGTERM', 10], ['SIGINT', 'SIGINT', 1], ['SIGTERM', 'SIGINT', 15]]) {
      test(`${first} then ${second} ${gap} ms later (a relaying supervisor): one request to stop, the hooks complete`, async (t) => {
        const result = await runScenario('signals:repeatedSignal', {
          format,
          onEvent: (event, child) => {
            if (event !== 'ready') return;
            child.kill(first);
            setTimeout(() => child.kill(second), gap);
          },
        });
        assert.equal(result.stderr, '');
        assert.deepEqual(result.events, ['ready', 'hook started', 'hook done']);
        assertDiedBy(t, result, first);
      });
    }

    test('a framework re-raising the signal at its own process (NestJS) does not force the exit', async (t) => {
      const result = await runScenario('signals:frameworkReraises', { format, onEvent: signalOn('SIGTERM') });
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['ready', 'framework got SIGTERM', 'framework re-raises', 'hook done']);
      assertDiedBy(t, result, 'SIGTERM');
    });

    test("other code's 'exit' listeners run before the death by the signal (pino flushes there)", async (t) => {
      const result = await runScenario('signals:exitListenersBeforeSignalDeath', { format, onEvent: signalOn('SIGTERM') });
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['ready', 'hook', 'exit listener 143 exiting=true']);
      assertDiedBy(t, result, 'SIGTERM');
    });
  });
}

const runner = fileURLToPath(new URL('../fixtures/run.mjs', import.meta.url));
const canUnsharePid = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

describe('as PID 1 (in a PID namespace)', () => {
  test('a re-raised signal the kernel ignores ends with 128 + n, no hang', { skip: !canUnsharePid && 'unshare --pid is not permitted here' }, () => {
    // Events in a file: a runtime that cannot use an inherited socket (Deno) opens it as /dev/fd/3.
    const dir = mkdtempSync(join(tmpdir(), 'farewell-pid1-'));
    const eventsFd = openSync(join(dir, 'events'), 'w+');
    try {
      const result = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', ...RUNTIME.command, runner, 'signals:selfSignal', 'SIGTERM'], {
        stdio: ['ignore', 'pipe', 'pipe', eventsFd],
        timeout: 20_000,
      });
      assert.equal(result.signal, null);
      assert.equal(result.status, 143);
      assert.equal(readFileSync(join(dir, 'events'), 'utf8'), 'hook\n');
    } finally {
      closeSync(eventsFd);
      rmSync(dir, { recursive: true, force: true });
    }
  });;
});
