// exit()'s argument, interpreted as Python's sys.exit would (made stricter).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ExitError, SystemExit } from 'graceful-exit';
import { normalizeExitCode, resolveExitRequest } from '../dist/esm/status.js';

test('nothing, undefined and null mean 0, or the inherited status', () => {
  assert.deepEqual(resolveExitRequest(undefined, undefined), { status: 0 });
  assert.deepEqual(resolveExitRequest(null, undefined), { status: 0 });
  assert.deepEqual(resolveExitRequest(undefined, 3), { status: 3 });
});

test('integers 0–255 are statuses', () => {
  for (const status of [0, 1, 42, 255]) assert.deepEqual(resolveExitRequest(status, undefined), { status });
});

test('a string is a message and status 1', () => {
  assert.deepEqual(resolveExitRequest('bye', 0), { status: 1, message: 'bye' });
});

test('errors: exitCode or 1; SystemExit: its code, nothing printed', () => {
  const plain = new Error('x');
  assert.deepEqual(resolveExitRequest(plain, undefined), { status: 1, error: plain });
  const coded = new ExitError('x', { exitCode: 9 });
  assert.deepEqual(resolveExitRequest(coded, undefined), { status: 9, error: coded });
  assert.deepEqual(resolveExitRequest(new SystemExit(4), undefined), { status: 4 });
});

test('invalid values give status 1 and a problem naming the value', () => {
  for (const [value, name, shown] of [[1.5, 'RangeError', '1.5'], [-0.5, 'RangeError', '-0.5'], [Infinity, 'RangeError', 'Infinity'], [Symbol('s'), 'TypeError', 'Symbol(s)'], [[1], 'TypeError', '[ 1 ]']]) {
    const request = resolveExitRequest(value, undefined);
    assert.equal(request.status, 1);
    assert.equal(request.problem.name, name);
    assert.ok(request.problem.message.endsWith(`got ${shown}`), request.problem.message);
  }
});

test('process.exitCode normalization', () => {
  assert.equal(normalizeExitCode(undefined), undefined);
  assert.equal(normalizeExitCode(3), 3);
  assert.equal(normalizeExitCode('7'), 7);
  assert.equal(normalizeExitCode('x'), undefined);
  assert.equal(normalizeExitCode(300), undefined);
});
