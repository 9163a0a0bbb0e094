// exit()'s argument as Python's sys.exit reads it (made stricter), in-process.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitError, SystemExit } from 'farewell';
import { createExitManager, createTestProcess } from 'farewell/testing';

async function exitWith(args, exitCode) {
  const proc = createTestProcess();
  if (exitCode !== undefined) proc.setExitCode(exitCode);
  const manager = createExitManager({ process: proc });
  let thrown;
  try {
    manager.exit(...args);
  } catch (error) {
    thrown = error;
  }
  const end = await proc.ended;
  return { thrown, code: end.code, stderr: proc.output.stderr };
}

test('nothing, undefined and null mean 0, or the status in process.exitCode', async () => {
  assert.equal((await exitWith([])).code, 0);
  assert.equal((await exitWith([undefined])).code, 0);
  assert.equal((await exitWith([null])).code, 0);
  assert.equal((await exitWith([], 3)).code, 3);
  assert.equal((await exitWith([], '7')).code, 7);
  assert.equal((await exitWith([0], 3)).code, 0, 'an explicit 0 wins');
});

test('integers 0–255 are statuses; the SystemExit carries it', async () => {
  for (const status of [0, 1, 42, 255]) {
    const result = await exitWith([status]);
    assert.equal(result.code, status);
    assert.ok(result.thrown instanceof SystemExit && result.thrown.exitCode === status);
  }
});

test('a string is a message and status 1', async () => {
  const result = await exitWith(['bye']);
  assert.equal(result.code, 1);
  assert.equal(result.stderr, 'bye\n');
  assert.equal(result.thrown.exitCode, 1);
});

test('errors: exitCode or 1; SystemExit: its code, nothing printed', async () => {
  assert.equal((await exitWith([new Error('x')])).code, 1);
  const coded = await exitWith([new ExitError('config broken', { exitCode: 9 })]);
  assert.equal(coded.code, 9);
  assert.equal(coded.stderr, 'config broken\n');
  const systemExit = await exitWith([new SystemExit(4)]);
  assert.equal(systemExit.code, 4);
  assert.equal(systemExit.stderr, '');
});

test('invalid values give status 1 and throw an error naming the value', async () => {
  for (const [value, name, shown] of [[1.5, 'RangeError', '1.5'], [-0.5, 'RangeError', '-0.5'], [Infinity, 'RangeError', 'Infinity'], [Symbol('s'), 'TypeError', 'Symbol(s)'], [[1], 'TypeError', '[ 1 ]']]) {
    const result = await exitWith([value]);
    assert.equal(result.code, 1);
    assert.equal(result.thrown.name, name);
    assert.ok(result.thrown.message.endsWith(`got ${shown}`), result.thrown.message);
  }
});
