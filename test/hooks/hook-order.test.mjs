// The order hooks run in, in-process on a test process: LIFO, groups as one
// step at their newest member's position, default names.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createExitManager, createTestProcess } from 'farewell/testing';

async function runHooks(register) {
  const proc = createTestProcess();
  const manager = createExitManager({ process: proc });
  const order = [];
  register(manager, order);
  manager.requestExit('test');
  await proc.ended;
  return { order, proc };
}

test('newest first, one at a time', async () => {
  const { order } = await runHooks((manager, order) => {
    for (const name of ['a', 'b', 'c']) manager.onExit(() => order.push(name));
  });
  assert.deepEqual(order, ['c', 'b', 'a']);
});

test("a group runs as one step at its newest member's position", async () => {
  const { order } = await runHooks((manager, order) => {
    const server = (name) => async () => {
      order.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push(`${name} end`);
    };
    manager.onExit(server('server 1'), { group: 'servers' });
    manager.onExit(() => order.push('database'));
    manager.onExit(server('server 2'), { group: 'servers' });
    manager.onExit(() => order.push('cache'));
  });
  assert.deepEqual(order, ['cache', 'server 2 start', 'server 1 start', 'server 2 end', 'server 1 end', 'database']);
});

test('default names: the function name, else hook #n', async () => {
  const { proc } = await runHooks((manager) => {
    manager.onExit(function closePool() {
      throw new Error('a');
    });
    manager.onExit(() => {
      throw new Error('b');
    });
  });
  assert.match(proc.output.stderr, /exit hook "hook #2" failed[^]*exit hook "closePool" failed/);
});

test('an unregistered hook is skipped; unregistering twice is harmless', async () => {
  const { order } = await runHooks((manager, order) => {
    const unregister = manager.onExit(() => order.push('a'));
    manager.onExit(() => order.push('b'));
    unregister();
    unregister();
  });
  assert.deepEqual(order, ['b']);
});
