// Uncaught exceptions, unhandled rejections and ExitError in real processes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { DIFFERENCES, RUNTIME, knownDifference } from '../helpers/runtime.mjs';

/** How each runtime prints an uncaught error it handles itself (handleErrors: false). */
const PRINTED_BY_RUNTIME = {
  node: /throw new Error\('handled by node'\);\n\s+\^\n\nError: handled by node\n/,
  bun: /throw new Error\('handled by node'\);\n\s+\^\nerror: handled by node\n/,
  deno: /Uncaught Error: handled by node/,
};

for (const format of FORMATS) {
  describe(`uncaught errors [${format}]`, { concurrency: 4 }, () => {
    test('an uncaught exception runs the hooks, prints the error with its cause, exits 1', async () => {
      const result = await runScenario('errors:uncaught', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['hook error uncaughtException 1 kaboom']);
      assert.match(result.stderr, /^Error: kaboom\n {4}at /);
      assert.match(result.stderr, /\[cause\]: Error: root cause\n/);
      assert.match(result.stderr, /\n\nNode\.js v\d+\.\d+\.\d+\n$/);
    });

    test('an unhandled rejection: hooks, every AggregateError member printed, exit 1', async () => {
      const result = await runScenario('errors:rejection', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['hook error unhandledRejection']);
      assert.match(result.stderr, /^AggregateError: several failed\n/);
      assert.match(result.stderr, /Error: first member\n/);
      assert.match(result.stderr, /Error: second member\n/);
    });;

    test('a thrown non-error is printed as "Uncaught <value>"', async () => {
      const result = await runScenario('errors:thrownNonError', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, ['hook error']);
      assert.match(result.stderr, /^Uncaught 42\n\nNode\.js v/);
    });

    test('an uncaught ExitError subclass exits with its exitCode, printing only its message', async () => {
      const result = await runScenario('errors:exitError', { format, args: ['hook'] });
      assert.equal(result.code, 78);
      assert.equal(result.stderr, 'PORT must be a number\n');
      assert.deepEqual(result.events, ['hook 78']);
    });

    test('an uncaught ExitError works without any hook registered', async () => {
      const result = await runScenario('errors:exitError', { format });
      assert.equal(result.code, 78);
      assert.equal(result.stderr, 'PORT must be a number\n');
    });

    test('an error during cleanup is printed and ends the process at once', async () => {
      const result = await runScenario('errors:errorDuringCleanup', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, []);
      assert.match(result.stderr, /^farewell: an uncaught exception during the exit:\nError: second failure\n/);
      assert.match(result.stderr, /farewell: an error during the exit: ending now; still running: "hanging" \(running for \d+ ms\); not started: "later"\n$/);
      assert.ok(result.ms < 5000, `took ${result.ms} ms`);
    });

    test(
      'handleErrors: false leaves uncaught errors to Node; hooks still run synchronously',
      knownDifference(
        {
          deno: { reason: DIFFERENCES.denoNoExitEvent, failure: /- {3}'hook error 1'/ },
        },
        async () => {
          const result = await runScenario('errors:handleErrorsOff', { format });
          assert.equal(result.code, 1);
          assert.deepEqual(result.events, ['hook error 1']);
          assert.match(result.stderr, PRINTED_BY_RUNTIME[RUNTIME.name]);
        },
      ),
    );
  });
}
