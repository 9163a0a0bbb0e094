// What `npm publish` would upload: the license, the README, and per module
// format one JavaScript file and one declaration file per entry point plus the
// chunks they share. Internal modules are bundled, never published as files
// of their own, so no consumer can come to depend on them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const ENTRY_POINTS = ['index', 'http/index', 'process/index', 'testing/index'];

/** The files `npm pack` would put in the tarball. */
function packedFiles() {
  const [{ files }] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  return files.map((file) => file.path).sort();
}

test('the packed package holds the entry points, their shared chunks, the CLI, LICENSE and README, nothing else', () => {
  const paths = packedFiles();
  const [chunks, others] = [paths.filter((path) => path.includes('/chunks/')), paths.filter((path) => !path.includes('/chunks/'))];
  const perTree = (tree) => ENTRY_POINTS.flatMap((entry) => [`dist/${tree}/${entry}.d.ts`, `dist/${tree}/${entry}.js`]);
  assert.deepEqual(others, ['LICENSE', 'README.md', 'dist/cjs/cli/main.js', ...perTree('cjs'), 'dist/cjs/package.json', ...perTree('esm'), 'package.json'].sort());
  // Shared chunks: named by the build (chunk-<hash>.js by esbuild, types-<hash>.d.ts by rollup), the same in both trees.
  for (const chunk of chunks) assert.match(chunk, /^dist\/(esm|cjs)\/chunks\/(chunk-\w+\.js|types-\w+\.d\.ts)$/);
  const inTree = (tree) => chunks.filter((path) => path.startsWith(`dist/${tree}/`)).map((path) => path.slice(`dist/${tree}/`.length));
  assert.deepEqual(inTree('cjs'), inTree('esm'));
  assert.ok(inTree('esm').some((path) => path.endsWith('.js')) && inTree('esm').some((path) => path.endsWith('.d.ts')), chunks.join(', '));
});

test('every declaration file loads the Node.js types it uses (TypeScript 6+ default to types: [])', () => {
  for (const path of packedFiles().filter((file) => file.endsWith('.d.ts'))) {
    assert.match(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), /^\/\/\/ <reference types="node" \/>\n/, path);
  }
});

test('package.json "exports" names a declaration file next to each JavaScript file', () => {
  for (const [entry, conditions] of Object.entries(pkg.exports)) {
    if (entry === './package.json') continue;
    for (const { types, default: javascript } of [conditions.import, conditions.require]) {
      assert.equal(types, javascript.replace(/\.js$/, '.d.ts'), entry);
    }
  }
});
