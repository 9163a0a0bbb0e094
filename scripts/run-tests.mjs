// Runs every test file under test/ with node:test. Files are listed here
// because `node --test <dir>` differs between Node 20 (paths) and 22+ (globs).
//
// FAREWELL_TEST_RUNTIME=/path/to/bun (or deno) runs the subset that proves
// the package on that runtime (docs/runtimes.md): node:test stays on Node and
// every child a test starts (scenarios, the CLI, the examples) runs on the
// runtime; the files that need no child run under the runtime's own test
// runner; the files that test the drain or the build in this very process
// would only repeat the Node run, and are left out.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME } from '../test/helpers/runtime.mjs';

/** No child process: the runtime's own test runner runs them (farewell/testing and the core's rules). */
const WITHOUT_CHILDREN = ['test/hooks/hook-order.test.mjs', 'test/lifecycle/exit-manager.test.mjs', 'test/status.test.mjs'];
/** In this process on Node only: the drain step by step (its clients are Node's) and the built files. */
const NODE_ONLY = [
  'test/http/http1-drain.test.mjs',
  'test/http/http2-drain.test.mjs',
  'test/http/websocket-drain.test.mjs',
  'test/package/core-loaded-once.test.mjs',
  'test/package/name.test.mjs',
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
const withChildren = given.length > 0 ? given : testFiles('test').sort().filter((file) => !WITHOUT_CHILDREN.includes(file) && !NODE_ONLY.includes(file));
const childrenStatus = run(process.execPath, ['--test', '--test-reporter=spec', ...withChildren]);
const ownStatus = given.length > 0 ? 0 : run(RUNTIME.executable, [...OWN_TEST_RUNNER[RUNTIME.name], ...WITHOUT_CHILDREN]);
process.exit(childrenStatus !== 0 ? childrenStatus : ownStatus);
