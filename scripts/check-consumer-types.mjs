// Type-checks the package as a consumer sees it: the tarball `npm pack` makes,
// installed into a scratch project, imported by test/fixtures/package/consumer.ts
// (every entry point) under each TypeScript the project supports and each module
// setting a consumer may use:
//   node16 ESM (.mts), node16 CommonJS (.cts), bundler (.ts), nodenext (.mts and .cts).
// TypeScript 6 and later default to `types: []` (no @types package is loaded
// unless named): the check runs them so, to prove the declarations bring in
// what they need. TypeScript 5 loads every visible @types package by default;
// it runs with `types: ['node']`, as a Node.js project sets it.
//
// Usage: node scripts/check-consumer-types.mjs [package.tgz]
// (run `npm run build` first; without an argument it packs this checkout).
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

/** The compilers: devDependencies `typescript` (5.x) and `typescript-7` (npm:typescript@7). */
const COMPILERS = [
  { name: 'typescript', types: ['node'] },
  { name: 'typescript-7', types: [] },
];
/** Module settings, and the consumer files each compiles. */
const MODES = [
  { name: 'node16 ESM', options: { module: 'node16', moduleResolution: 'node16' }, files: ['consumer.mts'] },
  { name: 'node16 CJS', options: { module: 'node16', moduleResolution: 'node16' }, files: ['consumer.cts'] },
  { name: 'bundler', options: { module: 'esnext', moduleResolution: 'bundler' }, files: ['consumer.ts'] },
  { name: 'nodenext', options: { module: 'nodenext', moduleResolution: 'nodenext' }, files: ['consumer.mts', 'consumer.cts'] },
];

const scratch = mkdtempSync(join(tmpdir(), 'farewell-consumer-'));
try {
  const tarball = process.argv[2] ? resolve(process.argv[2]) : pack(scratch);
  const project = join(scratch, 'consumer');
  install(tarball, project);
  const checks = COMPILERS.flatMap((compiler) => MODES.map((mode) => () => typeCheck(project, compiler, mode)));
  const results = await runAtMost(availableParallelism(), checks);
  const failed = results.filter((result) => result.status !== 0);
  for (const result of results) console.log(`${result.status === 0 ? 'ok  ' : 'FAIL'} ${result.label} (${result.ms} ms)`);
  for (const result of failed) console.log(`\n${result.label}:\n${result.output}`);
  process.exitCode = failed.length === 0 ? 0 : 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** Runs the tasks, at most `limit` at a time; resolves with their results in order. */
async function runAtMost(limit, tasks) {
  const results = [];
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  return results;
}

/** Packs this checkout as npm would publish it; returns the tarball's path. */
function pack(destination) {
  const [{ filename }] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', destination], { cwd: root, encoding: 'utf8' }));
  return join(destination, filename);
}

/** A consumer project: the tarball unpacked as node_modules/farewell, @types/node, the consumer's sources. */
function install(tarball, project) {
  const installed = join(project, 'node_modules/farewell');
  mkdirSync(installed, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  mkdirSync(join(project, 'node_modules/@types'));
  symlinkSync(dirname(require.resolve('@types/node/package.json')), join(project, 'node_modules/@types/node'));
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true }) + '\n');
  const source = readFileSync(join(root, 'test/fixtures/package/consumer.ts'), 'utf8');
  for (const extension of ['mts', 'cts', 'ts']) writeFileSync(join(project, `consumer.${extension}`), source);
}

/** Runs one compiler on one module setting; resolves with its status and output. */
function typeCheck(project, compiler, mode) {
  const manifest = require.resolve(`${compiler.name}/package.json`);
  const { version, bin } = require(manifest);
  const label = `TypeScript ${version}, ${mode.name}, types ${JSON.stringify(compiler.types)}`;
  const config = `tsconfig.${compiler.name}.${mode.name.replace(/\W+/g, '-')}.json`;
  writeFileSync(
    join(project, config),
    JSON.stringify({
      compilerOptions: {
        ...mode.options,
        target: 'es2022',
        lib: ['es2023'],
        types: compiler.types,
        strict: true,
        skipLibCheck: false,
        noEmit: true,
      },
      files: mode.files,
    }),
  );
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(dirname(manifest), bin.tsc), '-p', config, '--pretty', 'false'], { cwd: project });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('close', (status) => done({ label, status, output, ms: Math.round(performance.now() - started) }));
  });
}
