// The code blocks of README.md and every docs/*.md page, checked or run, so
// that a recipe cannot rot. A new page is picked up by itself.
//
// The convention (full text in CONTRIBUTING.md): the words after a fence's
// language say what to do with the block; GitHub and npm show only the language.
//
//   ```js                      checked: it must parse, and what it imports from
//                              farewell must exist. For fragments (they use `db`, `app`).
//   ```js run                  run as a real `node` process: exit status 0 and nothing
//                              on stderr, unless the block says otherwise:
//   ```js run exit=2 stderr="config not found\n"      status and exact stderr
//   ```js run kill=SIGTERM signal=SIGTERM stdout="listening\nclosed\n"
//                              SIGTERM once the program printed its first line on
//                              stdout; it must die by SIGTERM; stdout exactly so
//   ```js run stderr=/timed out/                       stdout/stderr matching a RegExp
//   ```js file=worker.mjs      written under that name next to the page's other
//                              blocks, for a block that runs it
//   ```ts run                  type-checked as a complete program (strict), then run
//   ```sh run stdout="…"       run by /bin/sh in the repository's root, with
//                              node_modules/.bin (the farewell CLI) on PATH
//   ```json                    must parse
// Other directives: env=NAME=value (repeatable), timeout=ms (default 10000),
// cjs / esm (the module format; by default a block with require() and no
// import is CommonJS). Other languages (yaml, dockerfile, text…) are not read.
//
// Blocks import the package by its name: they run in a scratch directory whose
// node_modules/farewell links to this checkout (the built package, so run
// `npm run build` first) and whose other node_modules entries link to the
// devDependencies (express, fastify, ws…). The environment is minimal (PATH,
// HOME), so a variable of the developer's shell changes nothing.
//
//   node --test test/docs/code-blocks.test.mjs
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { transform } from 'esbuild';
import { codeBlocks } from '../helpers/markdown.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const PAGES = ['README.md', ...readdirSync(join(root, 'docs')).filter((name) => name.endsWith('.md')).sort().map((name) => `docs/${name}`)];

/**
 * Blocks known to be broken in pages another engineer is rewriting, by page
 * and first line: they are reported as TODO instead of failing. An entry that
 * matches no block fails: delete it once the page is fixed.
 */
const KNOWN_BROKEN = new Map([]);

const JAVASCRIPT = new Set(['js', 'javascript', 'mjs', 'cjs']);
const TYPESCRIPT = new Set(['ts', 'typescript', 'mts', 'cts']);
const SHELL = new Set(['sh', 'shell', 'bash']);
const DIRECTIVES = new Set(['run', 'exit', 'signal', 'kill', 'stdout', 'stderr', 'file', 'env', 'timeout', 'cjs', 'esm']);

/** Parses the words after the language: `run exit=2 stdout="a\n" stderr=/re/ env=A=1`. */
function parseDirectives(words) {
  const directives = { run: false, env: {} };
  for (const [, key, value] of words.matchAll(/([a-z]+)(?:=("(?:[^"\\]|\\.)*"|\/(?:[^/\\]|\\.)+\/[a-z]*|\S+))?/g)) {
    if (!DIRECTIVES.has(key)) throw new Error(`unknown directive "${key}" (known: ${[...DIRECTIVES].join(', ')})`);
    if (value === undefined) directives[key] = true;
    else if (key === 'env') {
      const [name, ...rest] = value.split('=');
      directives.env[name] = rest.join('=');
    } else if (value.startsWith('"')) directives[key] = JSON.parse(value);
    else if (value.startsWith('/')) directives[key] = new RegExp(value.slice(1, value.lastIndexOf('/')), value.slice(value.lastIndexOf('/') + 1));
    else directives[key] = value;
  }
  return directives;
}

/** CommonJS when the block says so, or uses require() and no import/export statement. */
function isCommonJs(block) {
  if (block.directives.cjs || block.language === 'cjs') return true;
  if (block.directives.esm || block.language === 'mjs') return false;
  return /\brequire\(/.test(block.code) && !/^\s*(import|export)\s/m.test(block.code);
}

// The scratch directory: node_modules/farewell → this checkout, the rest → the devDependencies.
const scratch = mkdtempSync(join(tmpdir(), 'farewell-docs-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const modules = join(scratch, 'node_modules');
mkdirSync(join(modules, '.bin'), { recursive: true });
symlinkSync(root, join(modules, pkg.name));
for (const name of readdirSync(join(root, 'node_modules'))) {
  if (name !== '.bin' && name !== pkg.name && !name.startsWith('.')) symlinkSync(join(root, 'node_modules', name), join(modules, name));
}
for (const [name, file] of Object.entries(pkg.bin)) symlinkSync(join(root, file), join(modules, '.bin', name));
writeFileSync(join(scratch, 'package.json'), JSON.stringify({ private: true, type: 'module' }) + '\n');
const ENV = {
  PATH: [join(modules, '.bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
  HOME: process.env.HOME ?? scratch,
};

/** The names a block imports from the package, per entry point: { 'farewell/http': ['drainOnExit'] }. */
function importedNames(code) {
  const names = {};
  const add = (specifier, list, separator) => {
    for (const item of list.split(',')) {
      const name = item.trim().split(separator)[0].trim();
      if (name !== '' && !name.startsWith('type ')) (names[specifier] ??= []).push(name);
    }
  };
  const entry = `['"](${pkg.name}(?:/[\\w-]+)?)['"]`;
  for (const [, list, specifier] of code.matchAll(new RegExp(`import\\s*\\{([^}]*)\\}\\s*from\\s*${entry}`, 'g'))) add(specifier, list, /\s+as\s+/);
  for (const [, specifier] of code.matchAll(new RegExp(`import\\s+\\w+\\s*(?:,[^;]*)?from\\s*${entry}`, 'g'))) (names[specifier] ??= []).push('default');
  for (const [, list, specifier] of code.matchAll(new RegExp(`\\{([^}]*)\\}\\s*=\\s*require\\(\\s*${entry}\\s*\\)`, 'g'))) add(specifier, list, ':');
  for (const [, specifier] of code.matchAll(new RegExp(`(?:from|require\\(|import\\()\\s*${entry}`, 'g'))) names[specifier] ??= [];
  return names;
}

/** Checks that every imported entry point and name exists in the built package (ESM and CommonJS). */
async function checkImports(block) {
  const entries = new Set(Object.keys(pkg.exports).map((key) => key.replace(/^\./, pkg.name)));
  for (const [specifier, names] of Object.entries(importedNames(block.code))) {
    assert.ok(entries.has(specifier), `${specifier} is not an entry point of ${pkg.name}`);
    const exported = new Set(Object.keys(isCommonJs(block) ? require(specifier) : await import(specifier)));
    for (const name of names) assert.ok(exported.has(name), `${specifier} has no export named ${name}`);
  }
}

/** Where a page's blocks are written: one directory per page. */
function pageDirectory(page) {
  return join(scratch, page.replace(/\W+/g, '-'));
}

function fileName(block) {
  if (block.directives.file) return block.directives.file;
  const extension = TYPESCRIPT.has(block.language) ? 'mts' : isCommonJs(block) ? 'cjs' : 'mjs';
  return `block-${block.line}.${extension}`;
}

/** Runs node with `args` to its end (without blocking the other tests): { status, output }. */
async function node(args, options = {}) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, args, { ...options, encoding: 'utf8' });
    return { status: 0, output: stdout + stderr };
  } catch (error) {
    return { status: error.code, output: `${error.stdout}${error.stderr}` };
  }
}

/** Type-checks a TypeScript block as a complete program, against the built package. */
async function typeCheck(path) {
  const tsc = require.resolve('typescript/bin/tsc');
  const { output } = await node([tsc, '--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--types', 'node', '--pretty', 'false', path], {
    cwd: dirname(path),
  });
  assert.equal(output, '', `tsc found errors in ${path}`);
}

/** Runs a block as a real process and asserts what its directives expect. */
async function runBlock(block, directory) {
  const { directives } = block;
  let command = process.execPath;
  let args;
  let cwd = directory;
  if (SHELL.has(block.language)) {
    command = '/bin/sh';
    args = ['-c', block.code];
    cwd = root;
  } else if (TYPESCRIPT.has(block.language)) {
    const path = join(directory, fileName(block));
    await typeCheck(path);
    const { code } = await transform(block.code, { loader: 'ts', format: 'esm' });
    writeFileSync(path.replace(/\.mts$/, '.mjs'), code);
    args = [path.replace(/\.mts$/, '.mjs')];
  } else {
    args = [join(directory, fileName(block))];
  }
  let signalled = false;
  const result = await spawnProcess(command, args, {
    cwd,
    env: { ...ENV, ...directives.env },
    limitMs: Number(directives.timeout ?? 10_000),
    onLine: (line, child) => {
      if (directives.kill && !signalled) {
        signalled = true;
        child.kill(directives.kill);
      }
    },
  }).done;
  const stdout = result.stdout.toString();
  const report = `status ${result.code}, signal ${result.signal}\n--- stdout\n${stdout}--- stderr\n${result.stderr}`;
  if (directives.kill) assert.ok(signalled, `the block printed no line, so ${directives.kill} was never sent\n${report}`);
  if (directives.signal) assert.equal(result.signal, directives.signal, report);
  else assert.equal(result.code, Number(directives.exit ?? 0), report);
  const expectOutput = (actual, expected, name) => {
    if (expected instanceof RegExp) assert.match(actual, expected, `${name}\n${report}`);
    else assert.equal(actual, expected, `${name}\n${report}`);
  };
  if (directives.stdout !== undefined) expectOutput(stdout, directives.stdout, 'stdout');
  expectOutput(result.stderr, directives.stderr ?? '', 'stderr');
}

/** Checks a block that is not run: syntax (and imports) for code, parsing for JSON. */
async function checkBlock(block, directory) {
  if (block.language === 'json') {
    JSON.parse(block.code);
  } else if (TYPESCRIPT.has(block.language)) {
    const { warnings } = await transform(block.code, { loader: 'ts', format: 'esm', logLevel: 'silent' });
    assert.deepEqual(warnings, []);
  } else {
    const path = join(directory, fileName(block));
    const { status, output } = await node(['--check', path]);
    assert.equal(status, 0, output);
    await checkImports(block);
  }
}

const matchedKnownBroken = new Set();

for (const page of PAGES) {
  const blocks = codeBlocks(readFileSync(join(root, page), 'utf8'))
    .filter((block) => JAVASCRIPT.has(block.language) || TYPESCRIPT.has(block.language) || SHELL.has(block.language) || block.language === 'json')
    .map((block) => {
      try {
        return { ...block, directives: parseDirectives(block.words) };
      } catch (error) {
        return { ...block, directives: { run: false, env: {} }, invalid: error };
      }
    });
  if (blocks.length === 0) continue;

  describe(page, { concurrency: true }, () => {
    const directory = pageDirectory(page);
    mkdirSync(directory, { recursive: true });
    for (const block of blocks) {
      if (!SHELL.has(block.language) && block.language !== 'json') writeFileSync(join(directory, fileName(block)), block.code);
    }

    for (const block of blocks) {
      if (SHELL.has(block.language) && !block.directives.run) continue; // commands for the reader
      const key = `${page}: ${block.code.split('\n')[0]}`;
      const todo = KNOWN_BROKEN.get(key);
      if (todo) matchedKnownBroken.add(key);
      const name = `line ${block.line}: ${block.info}${block.directives.run ? '' : ' (checked)'}`;
      test(name, { todo }, async () => {
        assert.ok(block.closed, 'the code block is never closed');
        if (block.invalid) throw block.invalid;
        if (block.directives.run) await runBlock(block, directory);
        else await checkBlock(block, directory);
      });
    }
  });
}

test('every KNOWN_BROKEN entry still names a block (delete those fixed)', () => {
  assert.deepEqual([...KNOWN_BROKEN.keys()].filter((key) => !matchedKnownBroken.has(key)), []);
});
