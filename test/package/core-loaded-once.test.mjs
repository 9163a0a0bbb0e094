// Whatever entry points a program imports, the core is loaded and compiled
// once per module format: the sibling entry points import the core's public
// face, and the build shares it as a chunk (ESM) or a required file (CommonJS).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const listLoadedFiles = fileURLToPath(new URL('../fixtures/package/loaded-files.mjs', import.meta.url));
const ENTRIES = ['farewell', 'farewell/http', 'farewell/process', 'farewell/testing'];
/** The exit sequence's class, as esbuild emits it: the mark of the core. */
const definesTheCore = (file) => /\b(var|class) ExitSequence\b/.test(readFileSync(file, 'utf8'));

for (const tree of ['esm', 'cjs']) {
  test(`dist/${tree}: exactly one file defines the core, a shared chunk`, () => {
    const files = readdirSync(join(dist, tree), { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.js') && !file.startsWith('cli/'))
      .filter((file) => definesTheCore(join(dist, tree, file)));
    assert.deepEqual(files.map((file) => file.replace(/-[A-Z0-9]+\.js$/, '.js')), ['chunks/chunk.js']);
  });

  test(`${tree === 'esm' ? 'importing' : 'requiring'} all four entry points loads the core once`, () => {
    const result = spawnSync(process.execPath, [listLoadedFiles, tree, ...ENTRIES], { encoding: 'utf8' });
    assert.equal(result.stderr, '');
    const loaded = JSON.parse(result.stdout);
    assert.equal(loaded.filter((file) => file.endsWith('/index.js')).length, 4, result.stdout);
    assert.equal(loaded.filter(definesTheCore).length, 1, result.stdout);
  });
}
