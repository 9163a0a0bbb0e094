// The name users type is the name of this package: the README's install
// command, the CLI's name and every import in the docs must agree with
// package.json (the registry name "graceful-exit" belonged to someone else).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';

const read = (path) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const pkg = JSON.parse(read('package.json'));

test("the README's install command installs package.json's name", () => {
  const installs = [...read('README.md').matchAll(/^npm install (\S+)$/gm)].map((match) => match[1]);
  assert.deepEqual(installs, [pkg.name]);
});

test("the CLI is named after the package", () => {
  assert.deepEqual(Object.keys(pkg.bin), [pkg.name]);
});

test('README and docs import only this package and its entry points', () => {
  const entries = new Set(Object.keys(pkg.exports).filter((key) => key !== './package.json').map((key) => key.replace(/^\./, pkg.name)));
  for (const file of ['README.md', ...readdirSync(new URL('../../docs/', import.meta.url)).map((name) => `docs/${name}`)]) {
    for (const [, specifier] of read(file).matchAll(/from '((?:farewell|graceful-exit)[^']*)'/g)) {
      assert.ok(entries.has(specifier), `${file} imports ${specifier}, which is not an entry point of ${pkg.name}`);
    }
  }
});
