// Releasing resources as TypeScript and Node.js 24 do: `using`, `await
// using` and exit(), in real processes. The scenarios' source uses the
// syntax; TypeScript transpiles it (ESM and CommonJS) on every Node version,
// and Node 24 also runs it natively.
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { RUNTIME, assertDiedBy } from '../helpers/runtime.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';

const ts = createRequire(import.meta.url)('typescript');
const source = readFileSync(new URL('../fixtures/using/scenarios.js', import.meta.url), 'utf8');
// Generated inside the package, so that `farewell` resolves to it by name.
const generated = new URL('../fixtures/using/generated/', import.meta.url);

// Bun 1.4 and Deno 2.9 have it; a Node.js child has it when this Node.js does.
const nativeSyntax = RUNTIME.name !== 'node' || (() => {
  try {
    new Function('async function f() { await using x = null; }');
    return true;
  } catch {
    return false;
  }
})();

const variants = [
  ['TypeScript, ESM', 'typescript.mjs', ts.ModuleKind.ESNext],
  ['TypeScript, CommonJS', 'typescript.cjs', ts.ModuleKind.CommonJS],
  ['native syntax', 'native.mjs', undefined],
];

mkdirSync(generated, { recursive: true });
for (const [, file, module] of variants) {
  const code = module === undefined ? source : ts.transpileModule(source, { compilerOptions: { target: ts.ScriptTarget.ES2022, module } }).outputText;
  writeFileSync(new URL(file, generated), code);
}

function run(file, scenario, options = {}) {
  const [command, ...flags] = RUNTIME.command;
  return spawnProcess(command, [...flags, fileURLToPath(new URL(file, generated)), scenario], options).done;
}

for (const [variant, file] of variants) {
  const skip = variant === 'native syntax' && !nativeSyntax && `Node ${process.version} has no native using syntax (Node 24 has)`;
  describe(`using and await using [${variant}]`, { concurrency: 4, skip }, () => {
    // main() is not awaited: its SystemExit is an unhandled rejection.
    test('exit(2) inside `await using`: the resource is disposed as the SystemExit unwinds, before the hooks; status 2', async () => {
      const result = await run(file, 'exitInBlock');
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['in block', 'pool disposed', 'hook']);
      assert.equal(result.code, 2);
    });;

    test('SIGTERM while the block waits: the resource given to onExit() is disposed through the hook path', async (t) => {
      const result = await run(file, 'signalInBlock', { onEvent: (event, child) => event === 'ready' && child.kill('SIGTERM') });
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events, ['ready', 'pool disposed']);
      assertDiedBy(t, result, 'SIGTERM');
    });

    test('`using registration = onExit(hook)` unregisters at the end of the scope', async () => {
      const result = await run(file, 'registrationScope');
      assert.deepEqual(result.events, ['kept hook']);
      assert.equal(result.code, 0);
    });

    test('resources given to onExit(): newest first, a failing disposal reported by name, named after the class', async () => {
      const result = await run(file, 'resources');
      assert.deepEqual(result.events, ['sync resource disposed', 'first disposed']);
      assert.match(result.stderr, /^farewell: exit hook "broken" failed after \d+ ms:\nError: cannot close\n/);
      assert.equal(result.code, 1);
    });
  });
}

describe('AsyncDisposableStack', { skip: typeof AsyncDisposableStack !== 'function' && `Node ${process.version} has no AsyncDisposableStack (Node 24 has)` }, () => {
  test('given to onExit(): its resources are disposed in reverse order of use()', async () => {
    const result = await run('native.mjs', 'stack');
    assert.equal(result.stderr, '');
    assert.deepEqual(result.events, ['b disposed', 'a disposed']);
    assert.equal(result.code, 0);
  });
});
