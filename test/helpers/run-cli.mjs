import { fileURLToPath } from 'node:url';
import { RUNTIME } from './runtime.mjs';
import { spawnProcess } from './spawn-process.mjs';

/** The built CLI, as the package's bin points at it. */
export const CLI = fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url));
export const REPORTER = fileURLToPath(new URL('../fixtures/cli/signal-reporter.cjs', import.meta.url));

/**
 * Runs `node <cli> ...args` (the runtime of FAREWELL_TEST_RUNTIME when set;
 * or `command` when given) with stdout split into lines. Returns
 * `spawnProcess()`'s { child, done }. Each run gets a session of its own
 * (`detached`): without --group the CLI looks in its session for processes
 * its command left re-parented, and those of other tests must not be among
 * them.
 */
export function runCli(args, { command = [...RUNTIME.command, CLI], ...options } = {}) {
  return spawnProcess(command[0], [...command.slice(1), ...args], { lines: true, detached: true, ...options });
}
