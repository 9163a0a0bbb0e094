// The runtime that runs the children the tests spawn. node:test itself always
// runs under Node.js; FAREWELL_TEST_RUNTIME=/path/to/bun (or deno) makes every
// scenario, CLI and example a test starts run under that runtime instead, so
// the child proves the behaviour there (see docs/runtimes.md).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { constants } from 'node:os';
import { basename } from 'node:path';

const executable = process.env.FAREWELL_TEST_RUNTIME || process.execPath;

/** 'node', 'bun' or 'deno', from the executable's name. */
function runtimeName(path) {
  const name = basename(path).replace(/\.exe$/, '');
  if (name === 'bun' || name === 'deno') return name;
  if (path === process.execPath || name.startsWith('node')) return 'node';
  throw new Error(`FAREWELL_TEST_RUNTIME must name a node, bun or deno executable, got ${JSON.stringify(path)}`);
}

const name = runtimeName(executable);

/**
 * Deno runs a Node.js program with `deno run`: -A grants what node grants
 * (files, network, subprocesses, signals, environment), --no-lock keeps it
 * from writing a deno.lock into the repository. It resolves 'farewell' through
 * package.json and node_modules as Node.js does. Bun and Node need no flags.
 */
const FLAGS = { node: [], bun: [], deno: ['run', '-A', '--no-lock', '--quiet'] };

/** 'v20.20.2', '1.4.5' or '2.9.6': what the runtime reports. */
function runtimeVersion() {
  if (executable === process.execPath) return process.version;
  const output = execFileSync(executable, ['--version'], { encoding: 'utf8' });
  return /(\d+\.\d+\.\d+)/.exec(output)?.[1] ?? output.trim();
}

export const RUNTIME = Object.freeze({
  name,
  version: runtimeVersion(),
  executable,
  /** Prefix a script path with this to run it: [executable, ...flags]. */
  command: Object.freeze([executable, ...FLAGS[name]]),
});

/**
 * Wraps a test's body where a runtime differs from Node.js for a reason
 * docs/runtimes.md gives. `differences` maps a runtime's name to
 * `{ reason, failure, intermittent }`: on Node.js, and on a runtime not
 * named, the body runs as it is. On a runtime named, the body still runs;
 * if it fails with an error whose message matches `failure` (a RegExp), the
 * test passes and prints the reason and the failure as a diagnostic: never a
 * silent skip, and any other failure still fails. If the body passes, the
 * test fails ("no longer seen"), so that docs/runtimes.md and the mark are
 * updated, unless the difference is `intermittent` (a race the runtime wins
 * or loses), in which case that is printed too.
 */
export function knownDifference(differences, body) {
  const difference = differences[name];
  if (difference === undefined) return body;
  const { reason, failure, intermittent = false } = difference;
  const label = `known difference on ${name} ${RUNTIME.version}: ${reason}`;
  return async (context) => {
    try {
      await body(context);
    } catch (error) {
      const message = String(error?.message ?? error);
      if (!failure.test(message)) throw error;
      context.diagnostic(`${label} [failed as expected: ${message.split('\n').filter(Boolean).join(' ').slice(0, 300)}]`);
      return;
    }
    if (intermittent) context.diagnostic(`${label} [not seen this time]`);
    else throw new Error(`${label}: no longer seen, the test passes; update docs/runtimes.md and this mark`);
  };
}

/**
 * `assert.equal(result.signal, signal)`, except on Deno, whose signal thread
 * delivers a signal the process sends itself only after kill() returns: the
 * core's fallback, exit with 128 + n, can win that race (docs/runtimes.md).
 * There such an exit passes too, printed through `context` as the known
 * difference it is; the function then returns true (false otherwise).
 */
export function assertDiedBy(context, result, signal, message) {
  if (name === 'deno' && result.signal === null && result.code === 128 + constants.signals[signal]) {
    context.diagnostic(`known difference on deno ${RUNTIME.version}: exited with ${result.code} instead of dying by ${signal}, the re-raise lost the race with the fallback (docs/runtimes.md)`);
    return true;
  }
  assert.equal(result.signal, signal, message);
  return false;
}

/** Reasons shared by several tests: each is explained in docs/runtimes.md. */
export const DIFFERENCES = Object.freeze({
  bunActiveResources: "Bun's process.getActiveResourcesInfo() always returns [], so farewell cannot name what keeps the process alive: it says 'unknown'",
  denoNoExitEvent: "Deno emits no 'exit' event when an uncaught error ends the process, so with handleErrors: false the hooks do not run",
});
