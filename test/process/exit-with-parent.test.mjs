// exitWithParent(): a child exits gracefully when its parent dies or closes the IPC channel.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { recordProcesses, waitUntilGone } from '../helpers/proc.mjs';

/** Kills the scenario (the parent) with SIGKILL once its child is ready; records the child. */
function killParentWhenChildReady(records) {
  return (event, parent) => {
    const match = /^child ready (\d+)$/.exec(event);
    if (!match) return;
    records.push(...recordProcesses([Number(match[1])]));
    parent.kill('SIGKILL');
  };
}

for (const format of FORMATS) {
  describe(`exitWithParent() [${format}]`, { concurrency: 4 }, () => {
    test('a forked child whose parent is SIGKILLed runs its exit hooks and exits 0', async () => {
      const records = [];
      const result = await runScenario('process:parentOfWatcher', { format, args: ['ipc'], onEvent: killParentWhenChildReady(records) });
      assert.equal(result.signal, 'SIGKILL');
      assert.deepEqual(result.events.slice(1), ['child hook: request the parent process closed the IPC channel', 'child exit 0']);
      assert.deepEqual(await waitUntilGone(records), []);
    });

    test('a child without IPC notices its parent is gone (parent pid polling) and exits gracefully', async () => {
      const records = [];
      const result = await runScenario('process:parentOfWatcher', { format, args: ['spawn'], onEvent: killParentWhenChildReady(records) });
      assert.equal(result.signal, 'SIGKILL');
      assert.match(result.events[1], /^child hook: request the parent process \(pid \d+\) exited$/);
      assert.equal(result.events[2], 'child exit 0');
      assert.deepEqual(await waitUntilGone(records), []);
    });

    test('the parent closing the IPC channel (child.disconnect()) makes the child exit gracefully', async () => {
      const result = await runScenario('process:disconnectWatcher', { format, args: ['busy'] });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.events.slice(1), [
        'child hook: request the parent process closed the IPC channel',
        'child exit 0',
        'parent saw child exit 0 null within 5 s: true',
      ]);
    });

    test('watching does not keep a healthy child alive: it ends by itself (nodejs/node#43930)', async () => {
      const result = await runScenario('process:disconnectWatcher', { format, args: ['idle'] });
      assert.deepEqual(result.events.slice(1), ['child hook: natural undefined', 'child exit 0', 'parent saw child exit 0 null within 5 s: true']);
    });

    test("the program's own 'message' listener still keeps the child alive", async () => {
      const result = await runScenario('process:parentOfMessageListener', { format });
      assert.deepEqual(result.events, ['child ready', 'message late']);
    });
  });
}
