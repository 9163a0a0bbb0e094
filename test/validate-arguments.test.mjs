// Options are read from own properties only: an inherited option, or one
// planted on Object.prototype by a prototype-pollution bug elsewhere in the
// application, changes nothing (reliability issue, defect 6).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario, signalOn } from './helpers/run-scenario.mjs';
import { assertDiedBy } from './helpers/runtime.mjs';

for (const format of FORMATS) {
  describe(`options from own properties [${format}]`, { concurrency: 2 }, () => {
    test('configure(Object.create({ timeout: 50, bogus: 1 })) applies and rejects nothing', async () => {
      const result = await runScenario('options:inheritedOptions', { format });
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['configured', 'slow hook done']);
      assert.equal(result.code, 0);
    });

    test('with every option name on Object.prototype, hooks, a drain and a child stop exactly as without', async (t) => {
      // A session of its own: the child's stop looks for re-parented processes in it, and other tests' must not be there.
      const result = await runScenario('options:pollutedPrototype', { format, onEvent: signalOn('SIGTERM'), detached: true });
      assert.equal(result.stderr, '');
      // LIFO: b, a (its 100 ms are within the real 10 s deadline, not 30 ms), the
      // server's drain, then the child is asked to stop with SIGTERM (not SIGKILL).
      assert.deepEqual(result.events, ['child ready', 'ready', 'hook b', 'hook a', 'child got SIGTERM']);
      assertDiedBy(t, result, 'SIGTERM');
    });

    test("a cluster worker with exitWithParent() and Object.prototype.act = 'disconnect' does not take Node's replies for a disconnect", async () => {
      const result = await runScenario('options:pollutedClusterWorker', { format });
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['worker: exit started after listen: false', 'worker exit 0 null']);
      assert.equal(result.code, 0);
    });
  });
}
