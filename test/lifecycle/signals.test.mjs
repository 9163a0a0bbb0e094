// Signals in real processes: cleanup, then death by the same signal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { FORMATS, runScenario, signalOn } from '../helpers/run-scenario.mjs';

for (const format of FORMATS) {
  describe(`signals [${format}]`, { concurrency: 4 }, () => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
      test(`${signal}: hooks run, then the process dies by ${signal}`, async () => {
        const result = await runScenario('signals:cleanupThenDie', { format, onEvent: signalOn(signal) });
        assert.equal(result.signal, signal);
        assert.equal(result.code, null);
        assert.deepEqual(result.events, ['ready', `cleanup done after ${signal}`]);
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

    test('a second signal names the pending hooks and ends at once by that signal', async () => {
      const result = await runScenario('signals:secondSignal', {
        format,
        onEvent: (event, child) => {
          if (event === 'ready') child.kill('SIGINT');
          if (event === 'hook started') child.kill('SIGTERM');
        },
      });
      assert.equal(result.signal, 'SIGTERM');
      assert.deepEqual(result.events, ['ready', 'hook started']);
      assert.match(
        result.stderr,
        /^farewell: received SIGTERM again during the exit: ending now; still running: "slow-close" \(running for \d+ ms\); not started: "flush-metrics"\n$/,
      );
      assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test('shutdownSignal aborts when the exit begins, its reason names the signal', async () => {
      const result = await runScenario('signals:shutdownSignal', { format, onEvent: signalOn('SIGTERM') });
      assert.equal(result.signal, 'SIGTERM');
      assert.deepEqual(result.events, [
        'aborted before: false',
        'ready',
        'AbortError|The exit started: SIGTERM|signal|SIGTERM|true',
        'hook',
      ]);
    });

    test('configured signals replace the defaults (SIGUSR2 only when asked)', async () => {
      const result = await runScenario('signals:customSignals', { format, onEvent: signalOn('SIGUSR2') });
      assert.equal(result.signal, 'SIGUSR2');
      assert.deepEqual(result.events, ['SIGTERM listeners 0, SIGUSR2 listeners 1', 'ready', 'hook']);
    });
  });
}

const runner = fileURLToPath(new URL('../fixtures/run.mjs', import.meta.url));
const canUnsharePid = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

describe('as PID 1 (in a PID namespace)', () => {
  test('a re-raised signal the kernel ignores ends with 128 + n, no hang', { skip: !canUnsharePid && 'unshare --pid is not permitted here' }, () => {
    const result = spawnSync('unshare', ['--pid', '--fork', '--mount-proc', process.execPath, runner, 'signals:selfSignal', 'SIGTERM'], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      timeout: 20_000,
    });
    assert.equal(result.signal, null);
    assert.equal(result.status, 143);
    assert.equal(result.output[3].toString(), 'hook\n');
  });
});
