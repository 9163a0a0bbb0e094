// The natural end of the program and direct process.exit() in real processes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';

for (const format of FORMATS) {
  describe(`natural end and process.exit() [${format}]`, { concurrency: 4 }, () => {
    test('at the natural end async hooks run and process.exitCode = 3 is kept', async () => {
      const result = await runScenario('natural:exitCodeKept', { format });
      assert.equal(result.code, 3);
      assert.deepEqual(result.events, ['hook natural 3']);
      assert.equal(result.stderr, '');
    });

    test('a program that just ends exits 0 after its hooks', async () => {
      const result = await runScenario('natural:plainEnd', { format });
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['hook']);
    });

    test('direct process.exit(4): hooks run synchronously, unawaited promises are named', async () => {
      const result = await runScenario('natural:directProcessExit', { format });
      assert.equal(result.code, 4);
      assert.deepEqual(result.events, ['sync hook process-exit 4']);
      assert.equal(
        result.stderr,
        'farewell: process.exit() was called directly, so the promises returned by these exit hooks could not be awaited: "flushMetrics". Call exit() from farewell instead to let them finish.\n',
      );
    });

    test('something still alive after the natural end is reported at the deadline', async () => {
      const result = await runScenario('natural:leakedHandleAfterEnd', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['hook']);
      assert.match(result.stderr, /^farewell: the program ended and its exit hooks ran, but 300 ms later the process is still kept alive by: .*Timeout/);
    });
  });
}
