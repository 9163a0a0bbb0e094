// The order hooks run in: LIFO, groups as one step, changes during the run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HookRegistry } from '../../dist/esm/hooks/hook-registry.js';

const names = (hooks) => hooks.map((hook) => hook.name);

test('newest first, one at a time', () => {
  const registry = new HookRegistry();
  for (const name of ['a', 'b', 'c']) registry.add(() => {}, name);
  assert.deepEqual(names(registry.takeNextStep()), ['c']);
  assert.deepEqual(names(registry.takeNextStep()), ['b']);
  assert.deepEqual(names(registry.takeNextStep()), ['a']);
  assert.deepEqual(registry.takeNextStep(), []);
});

test("a group runs as one step at its newest member's position", () => {
  const registry = new HookRegistry();
  registry.add(() => {}, 'server 1', undefined, 'servers');
  registry.add(() => {}, 'database');
  registry.add(() => {}, 'server 2', undefined, 'servers');
  registry.add(() => {}, 'cache');
  assert.deepEqual(names(registry.takeNextStep()), ['cache']);
  assert.deepEqual(names(registry.takeNextStep()), ['server 2', 'server 1']);
  assert.deepEqual(names(registry.takeNextStep()), ['database']);
});

test('default names: the function name, else hook #n', () => {
  const registry = new HookRegistry();
  registry.add(function closePool() {});
  registry.add(() => {});
  assert.deepEqual(names(registry.pending()), ['hook #2', 'closePool']);
});

test('removed hooks are skipped; removing twice is harmless', () => {
  const registry = new HookRegistry();
  const a = registry.add(() => {}, 'a');
  registry.add(() => {}, 'b');
  assert.equal(registry.remove(a), true);
  assert.equal(registry.remove(a), false);
  assert.equal(registry.size, 1);
  assert.deepEqual(names(registry.takeNextStep()), ['b']);
  assert.deepEqual(registry.takeNextStep(), []);
});
