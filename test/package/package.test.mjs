// The package as installed: no side effects on import, one manager for every copy.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { signalOn } from '../helpers/run-scenario.mjs';
import { RUNTIME, assertDiedBy } from '../helpers/runtime.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';

const fixture = (name) => fileURLToPath(new URL(`../fixtures/${name}`, import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const helpers = fixture('scenario-helpers.cjs');

const [runtime, ...runtimeFlags] = RUNTIME.command;

/** Runs a script (under FAREWELL_TEST_RUNTIME when set); sends SIGTERM at its 'ready' event (fd 3). */
function runUntilExit(args, options = {}) {
  return spawnProcess(runtime, [...runtimeFlags, ...args], { ...options, onEvent: signalOn('SIGTERM') }).done;
}

describe('importing', () => {
  for (const entry of ['farewell', 'farewell/http', 'farewell/process', 'farewell/testing']) {
    for (const file of ['import-only.mjs', 'import-only.cjs']) {
      test(`${entry} (${file.endsWith('.mjs') ? 'ESM' : 'CommonJS'}): importing alone adds no listener, timer or handle`, () => {
        const result = spawnSync(runtime, [...runtimeFlags, fixture(file), entry], { encoding: 'utf8' });
        assert.equal(result.status, 0, result.stderr);
        assert.equal(result.stdout, 'no change\n');
      });
    }
  }
});

describe('several copies in one process', () => {
  test('the ESM and CommonJS builds share one manager: one listener, both hooks once', async (t) => {
    const result = await runUntilExit([fixture('esm-and-cjs.mjs')]);
    assertDiedBy(t, result, 'SIGTERM');
    assert.deepEqual(result.events, [
      'distinct modules true, same signal true',
      'SIGTERM listeners 1',
      'cross instanceof true true',
      'ready',
      'cjs hook',
      'esm hook',
    ]);
  });

  const tree = mkdtempSync(join(tmpdir(), 'farewell-copies-'));
  after(() => rmSync(tree, { recursive: true, force: true }));

  test('two installed copies (app and a dependency) act as one', async (t) => {
    const install = (dir) => {
      mkdirSync(dir, { recursive: true });
      cpSync(join(root, 'package.json'), join(dir, 'package.json'));
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
    };
    install(join(tree, 'node_modules/farewell'));
    install(join(tree, 'node_modules/plugin/node_modules/farewell'));
    writeFileSync(
      join(tree, 'node_modules/plugin/index.js'),
      `const lib = require('farewell');\nmodule.exports = { lib, register: (hook) => lib.onExit(hook) };\n`,
    );
    writeFileSync(
      join(tree, 'app.cjs'),
      `const { event, ready, keepAlive } = require(${JSON.stringify(helpers)});
const app = require('farewell');
const plugin = require('plugin');
event(app === plugin.lib ? 'one copy' : 'two copies');
app.onExit(() => event('app hook 1'));
plugin.register(() => event('plugin hook'));
app.onExit(() => event('app hook 2'));
event('SIGTERM listeners ' + process.listenerCount('SIGTERM'));
event('instanceof ' + (new plugin.lib.ExitError('x') instanceof app.ExitError));
keepAlive();
ready();
`,
    );
    const result = await runUntilExit([join(tree, 'app.cjs')], { cwd: tree });
    assertDiedBy(t, result, 'SIGTERM', result.stderr);
    assert.deepEqual(result.events, [
      'two copies',
      'SIGTERM listeners 1',
      'instanceof true',
      'ready',
      'app hook 2',
      'plugin hook',
      'app hook 1',
    ]);
  });
});
