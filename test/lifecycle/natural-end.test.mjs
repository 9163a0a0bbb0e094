// The natural end of the program and direct process.exit() in real processes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { DIFFERENCES, knownDifference } from '../helpers/runtime.mjs';

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

    test(
      'something still alive after the natural end is reported at the deadline',
      knownDifference({ bun: { reason: DIFFERENCES.bunActiveResources, failure: /still kept alive by: unknown \(this runtime does not list them\)/ } }, async () => {
        const result = await runScenario('natural:leakedHandleAfterEnd', { format });
        assert.equal(result.code, 1);
        assert.deepEqual(result.events, ['hook']);
        assert.match(result.stderr, /^farewell: the program ended and its exit hooks ran, but 300 ms later the process is still kept alive by: .*Timeout/);
      }),
    );

    for (const how of ['pending-promise', 'unref-timer']) {
      test(`the program ends while a hook waits forever (${how}): reported as never settled, 0 becomes 1 (reliability defect 1)`, async () => {
        const result = await runScenario('natural:neverSettles', { format, args: [how] });
        assert.equal(result.code, 1);
        assert.deepEqual(result.events, ['next hook ran']);
        assert.match(result.stderr, /^farewell: exit hook "forgotten" \(running for \d+ ms\) never settled: the event loop emptied while it waited \(a promise nothing resolves\?\)\n$/);
      });
    }

    test('direct process.exit(): onExit() inside a running hook registers a hook that runs next (reliability defect 4)', async () => {
      const result = await runScenario('natural:directExitRegistersInside', { format });
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['first', 'added', 'older']);
      assert.equal(result.code, 4);
    });

    for (const how of ['process.exit', 'exit']) {
      test(`process.exit(5) inside a hook of a ${how}(4) exit: the older hooks still run, status 5 (reliability defect 4)`, async () => {
        const result = await runScenario('natural:nestedProcessExit', { format, args: [how] });
        assert.deepEqual(result.events, ['first', 'older']);
        assert.equal(result.code, 5);
      });
    }

    const uncaughtWithoutHandling = {
      deno: { reason: DIFFERENCES.denoNoExitEvent, failure: /- {3}'async hook started'/ },
    };
    test('handleErrors false: the uncaught error, not a process.exit() call, is named for unawaited hooks', knownDifference(uncaughtWithoutHandling, async () => {
      const result = await runScenario('natural:uncaughtWithoutHandling', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['async hook started']);
      assert.doesNotMatch(result.stderr, /process\.exit\(\) was called/);
      // The runtime prints the error itself: Node after the 'exit' listeners ran, Bun before.
      assert.match(
        result.stderr,
        /^farewell: the process is ending because of an uncaught exception \(handleErrors is false\), so the promises returned by these exit hooks could not be awaited: "flushMetrics"\.$/m,
      );
      assert.match(result.stderr, /throw new Error\('boom'\);/);
    }));
  });
}
