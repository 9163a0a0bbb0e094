import { fileURLToPath } from 'node:url';
import { RUNTIME } from './runtime.mjs';
import { spawnProcess } from './spawn-process.mjs';

export const FORMATS = ['esm', 'cjs'];
const runners = {
  esm: fileURLToPath(new URL('../fixtures/run.mjs', import.meta.url)),
  cjs: fileURLToPath(new URL('../fixtures/run.cjs', import.meta.url)),
};

/**
 * Runs `file:case` in a real child (node, or the runtime FAREWELL_TEST_RUNTIME
 * names) importing the built package through the ESM or the CommonJS runner. Resolves when the child has exited, with
 * what `spawnProcess()` reports ({ code, signal, stdout, stderr, events, ms }).
 * Options as for `spawnProcess()`, plus `format` and `args`; NODE_DEBUG is
 * cleared unless `env` sets it.
 */
export function runScenario(spec, { format = 'esm', args = [], env = {}, ...options } = {}) {
  const [command, ...flags] = RUNTIME.command;
  return spawnProcess(command, [...flags, runners[format], spec, ...args], {
    ...options,
    env: { ...process.env, NODE_DEBUG: '', ...env },
  }).done;
}

/** Sends `signal` to the child when it reports `event` (default 'ready'). */
export function signalOn(signal, event = 'ready') {
  return (line, child) => {
    if (line === event) child.kill(signal);
  };
}
