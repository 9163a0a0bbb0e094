// Importing the package must stay cheap: it loads none of the built-in
// modules that cost milliseconds. An ESM import of node:fs, for instance,
// loads all of fs streams (about 4 ms on Node 20, bench/core/import-cost):
// the report file loads node:fs when FAREWELL_REPORT is set, not at import;
// node:tty, node:os and node:diagnostics_channel load at first use; node:util
// is required, not imported (on Node 22 and 24 its ESM namespace loads streams). (The
// http and process entry points load net: a program using them has it.)
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const EXPENSIVE = ['stream', 'internal/fs/streams', 'tty', 'net', 'os', 'diagnostics_channel'].map((id) => `NativeModule ${id}`);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The built-in modules Node loads while `format` loads `specifier` in a fresh process. */
function builtinsLoadedBy(format, specifier) {
  const load = format === 'esm' ? `await import(${JSON.stringify(specifier)})` : `require(${JSON.stringify(specifier)})`;
  const source = `
    const before = new Set(process.moduleLoadList);
    ${load};
    console.log(JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))));
  `;
  const args = format === 'esm' ? ['--input-type=module', '-e', source] : ['-e', source];
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', cwd: root, env: { ...process.env, FAREWELL_REPORT: '' } });
  assert.equal(result.stderr, '');
  return JSON.parse(result.stdout);
}

for (const format of ['esm', 'cjs']) {
  for (const specifier of ['farewell']) {
    test(`${format}: loading ${specifier} loads no expensive built-in (streams, tty, net, os, diagnostics_channel)`, () => {
      const loaded = builtinsLoadedBy(format, specifier);
      assert.deepEqual(loaded.filter((m) => EXPENSIVE.includes(m)), []);
    });
  }
}
