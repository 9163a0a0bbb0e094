import { isTtyLoaded } from '../builtin-modules.js';
import { createArmableExitManager } from './exit-manager.js';
import { nodeProcess } from '../process-facade.js';
import type { OutputStream, ProcessFacade } from '../process-facade.js';

/**
 * Runs one whole exit sequence (signal, two hooks, flush, re-raise) on an
 * in-memory process, so V8 compiles the exit path before it is needed.
 *
 * Why: a cold exit path costs about 2 ms of lazy compilation between the
 * signal and the end of the process, a warm one under 1 ms
 * (bench/core/exit-latency). The dry run costs the same 2 ms once, at first
 * use, in an unref'd immediate that never delays an exit or keeps the process
 * alive. It touches nothing real: no listener, no output, no signal.
 * The real process's own methods that the end of an exit calls, and that have
 * no effect, are called once too (primeRealProcess): a cold one costs
 * 50-80 µs at its first call, and the exit calls a dozen.
 */
export function primeExitPath(): void {
  const immediate = setImmediate(() => {
    try {
      const facade = inMemoryProcess();
      const manager = createArmableExitManager({ process: facade }, true, new AbortController());
      manager.onExit(() => {});
      manager.onExit(async () => {});
      facade.emitSignal('SIGTERM');
      primeRealProcess();
    } catch {
      // Priming is an optimisation; a failure here must never reach the program.
    }
  });
  immediate.unref();
}

/** Calls what is harmless to call on the real process: a timer set and cleared, process.kill wrapped and unwrapped, a status set and put back. */
function primeRealProcess(): void {
  const real = nodeProcess();
  real.now();
  real.clearTimer(real.setTimer(() => {}, 2 ** 30, { ref: false }));
  real.watchSelfSignals(() => {})();
  // Node validates a status as it is set: set one and put back what was there.
  const status = process.exitCode;
  real.setExitCode(0);
  process.exitCode = status;
  real.listenerCount('SIGTERM');
  isTtyLoaded();
}

function inMemoryProcess(): ProcessFacade & { emitSignal(signal: NodeJS.Signals): void } {
  const listeners = new Map<string, ((...args: unknown[]) => void)[]>();
  const sink: OutputStream = {
    write: (_chunk, callback) => {
      callback?.();
      return true;
    },
    on: () => sink,
    once: () => sink,
    removeListener: () => sink,
    destroyed: false,
    writableLength: 0,
  };
  let ended = false;
  return {
    pid: -1,
    platform: process.platform,
    getExitCode: () => undefined,
    setExitCode: () => {},
    on: (event, listener) => void listeners.set(event, [...(listeners.get(event) ?? []), listener]),
    off: (event, listener) => void listeners.set(event, (listeners.get(event) ?? []).filter((l) => l !== listener)),
    listenerCount: (event) => listeners.get(event)?.length ?? 0,
    kill: () => {
      ended = true;
    },
    exit: () => {
      ended = true;
    },
    exitImmediately: () => {
      ended = true;
    },
    stdout: sink,
    stderr: sink,
    now: () => performance.now(),
    setTimer: (callback, ms) => {
      const timer = setTimeout(() => !ended && callback(), ms);
      timer.unref();
      return timer;
    },
    clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
    activeResources: () => [],
    restoreTerminal: () => {},
    nextLoopTurn: (callback) => void setImmediate(() => !ended && callback()).unref(),
    runExitListeners: () => {},
    captureExitCalls: () => () => {},
    watchSelfSignals: () => () => {},
    emitSignal(signal) {
      for (const listener of listeners.get(signal) ?? []) listener(signal);
    },
  };
}
