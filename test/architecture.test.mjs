// The import rule of docs/architecture.md, checked on every source file so
// it stays true: imports point one way, from the sibling entry points down to
// the leaves, and http/, process/ and testing/ reach the core only through
// its public face (src/index.ts).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const src = fileURLToPath(new URL('../src/', import.meta.url));

/** The layer of a source file (path relative to src/), from the bottom. */
function layer(file) {
  const [folder] = file.split('/');
  if (!file.includes('/')) return file === 'index.ts' ? { rank: 5, name: 'the public face' } : { rank: 1, name: 'leaves' };
  const ranks = { output: 2, hooks: 3, lifecycle: 4, http: 6, process: 6, testing: 6, cli: 6 };
  if (!(folder in ranks)) throw new Error(`src/${file}: a folder docs/architecture.md does not place`);
  return { rank: ranks[folder], name: `${folder}/` };
}

function sourceFiles(dir = src) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? sourceFiles(path) : entry.name.endsWith('.ts') ? [relative(src, path)] : [];
  });
}

/** Every relative import of a file, type-only ones included, resolved to a path under src/. */
function importsOf(file) {
  const text = readFileSync(join(src, file), 'utf8');
  return [...text.matchAll(/^(?:import|export)\s[^;]*?from\s+'(\.[^']+)'/gms)].map(([, specifier]) =>
    relative(src, join(src, dirname(file), specifier.replace(/\.js$/, '.ts'))),
  );
}

test('imports point one way: no file imports a layer above its own', () => {
  const upward = [];
  for (const file of sourceFiles()) {
    for (const imported of importsOf(file)) {
      if (layer(imported).rank > layer(file).rank) upward.push(`src/${file} → src/${imported}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('http/, process/ and testing/ use the core only through its public face', () => {
  const reachingIn = [];
  for (const file of sourceFiles().filter((file) => /^(http|process|testing)\//.test(file))) {
    for (const imported of importsOf(file)) {
      const { rank } = layer(imported);
      if (rank >= 2 && rank <= 4) reachingIn.push(`src/${file} → src/${imported}`);
    }
  }
  assert.deepEqual(reachingIn, []);
});

// The CLI is built on process/, and it is the supervisor's side of the reload
// protocol whose program's side is in http/: the two files that define it.
const CLI_MAY_IMPORT = [/^process\//, /^http\/inherited-sockets\.ts$/, /^http\/supervisor-channel\.ts$/];

test('within a layer, a folder does not import another folder of the same layer (the CLI aside: process/ and the reload protocol of http/)', () => {
  const sideways = [];
  for (const file of sourceFiles()) {
    for (const imported of importsOf(file)) {
      const [from, to] = [layer(file), layer(imported)];
      if (from.rank !== to.rank || from.name === to.name || from.rank === 1) continue;
      if (file.startsWith('cli/') && CLI_MAY_IMPORT.some((allowed) => allowed.test(imported))) continue;
      sideways.push(`src/${file} → src/${imported}`);
    }
  }
  assert.deepEqual(sideways, []);
});
