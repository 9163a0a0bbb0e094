// Runs every test file under test/ with node:test. Files are listed here
// because `node --test <dir>` differs between Node 20 (paths) and 22+ (globs).
//
// FAREWELL_TEST_RUNTIME=/path/to/bun (or deno) runs the subset that proves
// the package on that runtime (docs/runtimes.md): node:test stays on Node and
// every child a test starts (scenarios, the CLI, the examples) runs on the
// runtime; the files that need no child run under the runtime's own test
// runner; the files in LEFT_OUT are left out, and the run prints each reason.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNTIME } from '../test/helpers/runtime.mjs';

/** No child process: the runtime's own test runner runs them (farewell/testing and the core's rules). */
const WITHOUT_CHILDREN = ['test/hooks/hook-order.test.mjs', 'test/lifecycle/exit-manager.test.mjs', 'test/status.test.mjs'];
/** Left out of a runtime's subset, each with the reason, which the subset prints. */
const LEFT_OUT = new Map([
  // The drain step by step in the test process itself, with Node's HTTP clients; the
  // random schedules' in-process half the same, and their real-children half only
  // rediscovers Bun's idle close and Deno's re-raise race, marked in the files that run.
  ...['http1-drain', 'http2-drain', 'websocket-drain', 'drain-properties'].map((name) => [`test/http/${name}.test.mjs`, 'runs the drain in the Node.js test process']),
  // The repository and the built files: nothing runs on the runtime.
  ...['architecture', 'package/core-loaded-once', 'package/name', 'package/published-files', 'docs/code-blocks', 'docs/links'].map((name) => [`test/${name}.test.mjs`, 'checks the repository and the build, on Node.js']),
  // Real companions and recipes, on Node.js as the docs use them.
  ...['bullmq', 'logging', 'nestjs', 'nodemon', 'pino', 'pm2', 'postgres', 'watch-and-tsx'].map((name) => [`test/stacks/${name}.test.mjs`, 'real companions on Node.js']),
  ['test/cli/docker-entrypoint.test.mjs', "the Docker recipe, whose command is node"],
  ['test/http/load-balancers.test.mjs', 'real HAProxy and nginx in front of Node.js instances'],
  // Compares real children with the simulated Node.js process: on another runtime it
  // can only rediscover the differences docs/runtimes.md lists, which other files mark.
  ['test/lifecycle/exit-sequence.property.test.mjs', 'compares children with the simulated Node.js process'],
  // docs/runtimes.md: not supported on Bun (a server cannot listen on an inherited socket), not examined on Deno.
  ...['reload', 'reload-sockets'].map((name) => [`test/cli/${name}.test.mjs`, 'reload (--listen, inherited sockets): not supported on Bun or Deno (docs/runtimes.md)']),
]);

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
if (given.length === 0) for (const [file, reason] of LEFT_OUT) console.log(`left out on ${RUNTIME.name}: ${file}: ${reason}`);
const withChildren = given.length > 0 ? given : testFiles('test').sort().filter((file) => !WITHOUT_CHILDREN.includes(file) && !LEFT_OUT.has(file));
const childrenStatus = run(process.execPath, ['--test', '--test-reporter=spec', ...withChildren]);
const ownStatus = given.length > 0 ? 0 : run(RUNTIME.executable, [...OWN_TEST_RUNNER[RUNTIME.name], ...WITHOUT_CHILDREN]);
if (denoDir !== undefined) rmSync(denoDir, { recursive: true, force: true });
process.exit(childrenStatus !== 0 ? childrenStatus : ownStatus);
