// Runs every test file under test/ with node:test. Files are listed here
// because `node --test <dir>` differs between Node 20 (paths) and 22+ (globs).
//
// FAREWELL_TEST_RUNTIME=/path/to/bun (or deno) runs the subset that proves
// the package on that runtime (docs/runtimes.md): node:test stays on Node and
// every child a test starts (scenarios, the CLI, the examples) runs on the
// runtime; the files that need no child run under the runtime's own test
// runner; the files listed in NODE_ONLY are left out, each group saying why.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNTIME } from '../test/helpers/runtime.mjs';

/** No child process: the runtime's own test runner runs them (farewell/testing and the core's rules). */
const WITHOUT_CHILDREN = ['test/hooks/hook-order.test.mjs', 'test/lifecycle/exit-manager.test.mjs', 'test/status.test.mjs'];
const NODE_ONLY = [
  // The drain step by step, in the test process itself, with Node's HTTP clients.
  'test/http/http1-drain.test.mjs',
  'test/http/http2-drain.test.mjs',
  'test/http/websocket-drain.test.mjs',
  // The repository and the built files: nothing runs on the runtime.
  'test/architecture.test.mjs',
  'test/package/core-loaded-once.test.mjs',
  'test/package/name.test.mjs',
  'test/package/published-files.test.mjs',
  'test/docs/code-blocks.test.mjs',
  'test/docs/links.test.mjs',
  // Real companions (pino, NestJS, PM2, nodemon, tsx, PostgreSQL, BullMQ) on Node.js, as the docs use them.
  ...['bullmq', 'logging', 'nestjs', 'nodemon', 'pino', 'pm2', 'postgres', 'watch-and-tsx'].map((name) => `test/stacks/${name}.test.mjs`),
  // Compares real children with the simulated Node.js process (createTestProcess): on another runtime
  // it can only rediscover the differences docs/runtimes.md lists, which the other files mark one by one.
  'test/lifecycle/exit-sequence.property.test.mjs',
];

/** How each runtime runs node:test files itself. */
const OWN_TEST_RUNNER = {
  bun: ['test'],
  deno: ['test', '-A', '--no-lock', '--no-check'],
};

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' || entry.name === 'helpers' ? [] : testFiles(path);
    return entry.name.endsWith('.test.mjs') ? [path] : [];
  });
}

function run(command, args) {
  return spawnSync(command, args, { stdio: 'inherit' }).status ?? 1;
}

const given = process.argv.slice(2);
if (RUNTIME.name === 'node') {
  process.exit(run(process.execPath, ['--test', '--test-reporter=spec', ...(given.length > 0 ? given : testFiles('test').sort())]));
}

console.log(`children on ${RUNTIME.name} ${RUNTIME.version} (${RUNTIME.executable})`);
// Deno 2.9.6 keeps its analysis of CommonJS files in DENO_DIR and has run a
// stale one after dist/ was rebuilt in place: each run starts with an empty one.
const denoDir = RUNTIME.name === 'deno' ? mkdtempSync(join(tmpdir(), 'farewell-deno-dir-')) : undefined;
if (denoDir !== undefined) process.env.DENO_DIR = denoDir;
const withChildren = given.length > 0 ? given : testFiles('test').sort().filter((file) => !WITHOUT_CHILDREN.includes(file) && !NODE_ONLY.includes(file));
const childrenStatus = run(process.execPath, ['--test', '--test-reporter=spec', ...withChildren]);
const ownStatus = given.length > 0 ? 0 : run(RUNTIME.executable, [...OWN_TEST_RUNNER[RUNTIME.name], ...WITHOUT_CHILDREN]);
if (denoDir !== undefined) rmSync(denoDir, { recursive: true, force: true });
process.exit(childrenStatus !== 0 ? childrenStatus : ownStatus);
