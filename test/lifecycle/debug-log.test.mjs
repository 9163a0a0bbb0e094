// NODE_DEBUG=farewell prints the sequence with timings.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runScenario } from '../helpers/run-scenario.mjs';

// On Bun too: its util.debuglog() has no .enabled, and farewell then reads NODE_DEBUG itself.
test('NODE_DEBUG=farewell prints trigger, each hook, flush and end with timings', async () => {
  const result = await runScenario('debug:sequence', { env: { NODE_DEBUG: 'farewell' } });
  assert.equal(result.code, 0);
  const lines = result.stderr.trimEnd().split('\n').map((line) => line.replace(/^FAREWELL \d+: /, ''));
  assert.equal(lines.length, 6, result.stderr);
  assert.match(lines[0], /^exit started by exit\(\), status 0, deadline 10000 ms$/);
  assert.match(lines[1], /^\+\d+\.\dms hook "closeDatabase" started$/);
  assert.match(lines[2], /^\+\d+\.\dms hook "closeDatabase" completed after \d+ ms$/);
  assert.match(lines[3], /^\+\d+\.\dms flushing stdout and stderr$/);
  assert.match(lines[4], /^\+\d+\.\dms flush: stdout flushed, stderr flushed$/);
  assert.match(lines[5], /^\+\d+\.\dms ending with status 0$/);
});

test('without NODE_DEBUG nothing is printed', async () => {
  const result = await runScenario('debug:sequence');
  assert.equal(result.stderr, '');
});
