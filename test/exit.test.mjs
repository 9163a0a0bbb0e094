// exit() and exitNow() in real processes, through the ESM and the CommonJS build.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from './helpers/run-scenario.mjs';

for (const format of FORMATS) {
  describe(`exit() [${format}]`, { concurrency: 4 }, () => {
    const cases = [
      ['none', 0, 'threw SystemExit 0'],
      ['null', 0, 'threw SystemExit 0'],
      ['undefined', 0, 'threw SystemExit 0'],
      ['number:0', 0, 'threw SystemExit 0'],
      ['number:7', 7, 'threw SystemExit 7'],
      ['number:255', 255, 'threw SystemExit 255'],
      ['string:something went wrong', 1, 'threw SystemExit 1'],
      ['error-code:5', 5, 'threw SystemExit 5'],
      ['exit-error:78', 78, 'threw SystemExit 78'],
    ];
    for (const [spec, status, thrown] of cases) {
      test(`exit(${spec}) exits with ${status}`, async () => {
        const result = await runScenario('exit:withValue', { format, args: [spec] });
        assert.equal(result.signal, null);
        assert.equal(result.code, status);
        assert.deepEqual(result.events, [thrown, `hook saw ${status}`]);
      });
    }

    test("exit('message') prints the message and a newline on stderr only", async () => {
      const result = await runScenario('exit:withValue', { format, args: ['string:something went wrong'] });
      assert.equal(result.stderr, 'something went wrong\n');
      assert.equal(result.stdout.length, 0);
    });

    test('exit(error) prints the error as an uncaught one, status 1', async () => {
      const result = await runScenario('exit:withValue', { format, args: ['error:disk full'] });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^Error: disk full\n {4}at /);
      assert.match(result.stderr, /\n\nNode\.js v\d+\.\d+\.\d+\n$/);
    });

    test('exit(exitError) prints only its message', async () => {
      const result = await runScenario('exit:withValue', { format, args: ['exit-error:78'] });
      assert.equal(result.stderr, 'bad config\n');
    });

    const badInputs = [
      ['number:3.5', 'RangeError', 'status must be an integer from 0 to 255, got 3.5'],
      ['number:-1', 'RangeError', 'status must be an integer from 0 to 255, got -1'],
      ['number:256', 'RangeError', 'status must be an integer from 0 to 255, got 256'],
      ['number:NaN', 'RangeError', 'status must be an integer from 0 to 255, got NaN'],
      ['object', 'TypeError', 'status must be an integer from 0 to 255, a message string, an Error, null or undefined, got { status: 2 }'],
      ['boolean', 'TypeError', 'status must be an integer from 0 to 255, a message string, an Error, null or undefined, got true'],
      ['bigint', 'TypeError', 'status must be an integer from 0 to 255, a message string, an Error, null or undefined, got 3n'],
      ['exit-error:300', 'RangeError', 'status.exitCode must be an integer from 0 to 255, got 300'],
    ];
    for (const [spec, errorName, message] of badInputs) {
      test(`exit(${spec}) throws ${errorName} and still exits with 1`, async () => {
        const result = await runScenario('exit:withValue', { format, args: [spec] });
        assert.equal(result.code, 1);
        assert.equal(result.signal, null);
        assert.deepEqual(result.events, [`threw ${errorName} ${message}`, 'hook saw 1']);
        assert.ok(result.stderr.startsWith(`farewell: exit(): ${message}; exiting with status 1\n${errorName}: ${message}\n`), result.stderr);
      });
    }

    test('exit() keeps a status the program recorded in process.exitCode', async () => {
      const result = await runScenario('exit:keepsExitCode', { format });
      assert.equal(result.code, 3);
      assert.equal(result.stderr, '');
    });

    test("exit('msg') after an unflushed stderr write: stderr starts with x,msg", async () => {
      const result = await runScenario('exit:stderrOrder', { format });
      assert.equal(result.code, 1);
      assert.equal(result.stderr, 'x,msg\n');
    });

    test('SystemExit unwinds the caller: finally runs before the hooks', async () => {
      const result = await runScenario('exit:finallyUnwinds', { format });
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['finally', 'hook']);
      assert.equal(result.stderr, '');
    });

    test('a caught SystemExit does not cancel the exit', async () => {
      const result = await runScenario('exit:caughtStillExits', { format });
      assert.equal(result.code, 4);
      assert.deepEqual(result.events, ['caught SystemExit 4', 'still running']);
    });

    test('exit() while exiting keeps the first status and still throws', async () => {
      const result = await runScenario('exit:exitAgainKeepsFirstStatus', { format });
      assert.equal(result.code, 3);
      assert.deepEqual(result.events, ['inner SystemExit 3']);
      assert.equal(result.stderr, '', 'a nested exit() is not a hook failure');
    });

    test('exit() inside an async function: the rejected SystemExit is silent', async () => {
      const result = await runScenario('exit:asyncMain', { format });
      assert.equal(result.code, 6);
      assert.equal(result.stderr, '');
    });

    for (const [code, how] of [['256', 'exit'], ['-1', 'exit'], ['256', 'throw'], ['1.5', 'throw']]) {
      test(`a SystemExit whose exitCode became ${code} after construction (${how}): status 1, reported (reliability defect 5)`, async () => {
        const result = await runScenario('exit:mutatedSystemExit', { format, args: [code, how] });
        assert.equal(result.code, 1);
        assert.deepEqual(result.events, ['hook saw 1']);
        assert.match(result.stderr, new RegExp(`^farewell: (exit\\(\\): )?status\\.exitCode must be an integer from 0 to 255, got ${code.replace('.', '\\.')}; exiting with status 1\n`));
      });
    }

    test('throw new SystemExit(4), the only use of the library: exits 4, prints nothing', async () => {
      const result = await runScenario('exit:throwSystemExitAlone', { format });
      assert.equal(result.stderr, '');
      assert.equal(result.code, 4);
    });
  });

  describe(`exitNow() [${format}]`, { concurrency: 4 }, () => {
    test('ends at once with the code: no hooks, no exit event', async () => {
      const result = await runScenario('exit:exitNow', { format, args: ['5'] });
      assert.equal(result.code, 5);
      assert.deepEqual(result.events, []);
    });

    test('defaults to 0', async () => {
      const result = await runScenario('exit:exitNow', { format });
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, []);
    });

    test('an invalid code is reported and replaced by 1, never thrown', async () => {
      const result = await runScenario('exit:exitNowInvalid', { format });
      assert.equal(result.code, 1);
      assert.deepEqual(result.events, []);
      assert.equal(result.stderr, 'farewell: exitNow(): code must be an integer from 0 to 255, got -3; exiting with status 1\n');
    });
  });
}
