import { isTtyLoaded, loadTty } from './builtin-modules.js';
import { signalFromNumber } from './signals.js';

/** The part of a writable stream (stdout, stderr) the exit sequence uses. */
export interface OutputStream {
  write(chunk: string | Uint8Array, callback?: (error?: Error | null) => void): boolean;
  on(event: 'error', listener: (error: Error) => void): unknown;
  once(event: 'drain' | 'close', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
  readonly destroyed: boolean;
  readonly writableEnded?: boolean;
  readonly writableNeedDrain?: boolean;
  readonly writableLength?: number;
  /** The error the stream failed with, set at once (its 'error' event comes a tick later). */
  readonly errored?: Error | null;
  readonly isTTY?: boolean;
}

/** A timer handle returned by `ProcessFacade.setTimer`. */
export type TimerHandle = unknown;

/**
 * Everything the exit manager does to the process, in one replaceable object:
 * listeners, signals, exiting, stdout/stderr, the clock and timers. The real
 * one is `nodeProcess()`; `createTestProcess()` (farewell/testing) records
 * instead of exiting, so shutdown logic can be unit-tested in-process.
 */
export interface ProcessFacade {
  readonly pid: number;
  readonly platform: string;
  /** `process.exitCode`, as set by the program (may be undefined or a string). */
  getExitCode(): unknown;
  setExitCode(code: number): void;
  on(event: string, listener: (...args: any[]) => void): void;
  off(event: string, listener: (...args: any[]) => void): void;
  listenerCount(event: string): number;
  /** `process.kill`. */
  kill(pid: number, signal: NodeJS.Signals): void;
  /** `process.exit`: `'exit'` listeners run, then the process ends. */
  exit(code: number): void;
  /** Ends at once: no `'exit'` listeners, no flushing (`os._exit`). */
  exitImmediately(code: number): void;
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  /** Monotonic milliseconds. */
  now(): number;
  /** A timer; `ref: false` means it does not keep the process alive. */
  setTimer(callback: () => void, ms: number, options: { ref: boolean }): TimerHandle;
  clearTimer(timer: TimerHandle): void;
  /**
   * Type names of what keeps the event loop alive (`process.getActiveResourcesInfo()`);
   * undefined where the runtime cannot tell (Bun's always returns `[]`).
   */
  activeResources(): string[] | undefined;
  /** Leaves the terminal usable before dying by a signal (undo raw mode). */
  restoreTerminal(): void;
  /**
   * Calls `callback` once the event loop has polled for I/O and signals at
   * least once: between hooks, so that a signal that arrived while a hook
   * blocked the loop is seen before the next hook starts. Keeps the loop alive.
   */
  nextLoopTurn(callback: () => void): void;
  /**
   * Runs the `'exit'` listeners as `process.exit(code)` would, without
   * ending: before a death by a re-raised signal, which runs none, so that
   * code relying on them (pino's transports flush there) still works.
   */
  runExitListeners(code: number): void;
  /**
   * Until the returned function is called, `process.exit()` throws `thrown`
   * (after setting `process.exitCode`, as it does) instead of ending the
   * process: while hooks run synchronously inside a direct `process.exit()`,
   * a hook's own `process.exit(n)` then sets the status and the older hooks
   * still run.
   */
  captureExitCalls(thrown: unknown): () => void;
  /**
   * Until the returned function is called, `listener` learns of every signal
   * the process sends to itself (a framework re-raising the signal it got),
   * so that it is not mistaken for a second request to stop.
   */
  watchSelfSignals(listener: (signal: NodeJS.Signals) => void): () => void;
}

type ReallyExit = (code: number) => never;
type Kill = typeof process.kill;

/** The real process. Streams are read lazily: creating the facade touches nothing. */
export function nodeProcess(): ProcessFacade {
  /** The native exit while `process.reallyExit` is replaced by `captureExitCalls`. */
  let realExit: ReallyExit | undefined;
  const internals = process as unknown as { reallyExit?: ReallyExit; _exiting?: boolean };
  return {
    pid: process.pid,
    platform: process.platform,
    getExitCode: () => process.exitCode,
    setExitCode: (code) => {
      process.exitCode = code;
    },
    on: (event, listener) => void process.on(event as 'exit', listener),
    off: (event, listener) => void process.off(event as 'exit', listener),
    listenerCount: (event) => process.listenerCount(event),
    kill: (pid, signal) => void process.kill(pid, signal),
    exit: (code) => process.exit(code),
    exitImmediately: (code) => {
      // process.reallyExit is the native exit behind process.exit(), without
      // the 'exit' event (node-platform-facts §4). Undocumented but kept for
      // its users (nodejs/node PR #25655, #31087 not merged).
      const reallyExit = realExit ?? internals.reallyExit;
      if (typeof reallyExit === 'function') reallyExit.call(process, code);
      process.exit(code);
    },
    get stdout() {
      return process.stdout;
    },
    get stderr() {
      return process.stderr;
    },
    now: () => performance.now(),
    setTimer: (callback, ms, { ref }) => {
      const timer = setTimeout(callback, ms);
      if (!ref) timer.unref();
      return timer;
    },
    clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
    activeResources: () => (process.versions.bun === undefined ? process.getActiveResourcesInfo() : undefined),
    restoreTerminal: () => {
      // Node's own signal handler resets the terminal before dying
      // (ResetStdio in src/node.cc); dying by a re-raised signal skips that.
      // Loading node:tty costs more than a millisecond: skip it when no
      // terminal stream can exist.
      if (!isTtyLoaded() || !loadTty().isatty(0)) return;
      const stdin = process.stdin as NodeJS.ReadStream;
      if (stdin.isRaw) stdin.setRawMode(false);
    },
    nextLoopTurn: (callback) => {
      // An immediate queued from the check phase, or from a callback of the
      // poll phase that already polled, runs before the next poll: two make
      // sure one poll (signals included) happens in between.
      setImmediate(() => setImmediate(callback));
    },
    runExitListeners: (code) => {
      // What process.exit() does before the native exit (node-platform-facts
      // §4): mark the process as exiting, so that a later process.exit()
      // does not emit 'exit' a second time, then emit it.
      internals._exiting = true;
      process.emit('exit', code);
    },
    captureExitCalls: (thrown) => {
      const original = internals.reallyExit;
      if (typeof original !== 'function' || realExit !== undefined) return () => {};
      realExit = original;
      // process.exit() looks reallyExit up at call time, after setting
      // process.exitCode (node-platform-facts §4).
      const capture = (): never => {
        throw thrown;
      };
      internals.reallyExit = capture;
      return () => {
        if (internals.reallyExit === capture) internals.reallyExit = original;
        realExit = undefined;
      };
    },
    watchSelfSignals: (listener) => {
      const original = process.kill;
      const watching = function kill(this: unknown, pid: number, signal?: string | number): true {
        const target = Number(pid);
        if (target === process.pid || target === 0) {
          const name = signalName(signal);
          if (name !== undefined) listener(name);
        }
        return original.apply(process, [pid, signal] as Parameters<Kill>);
      } as Kill;
      process.kill = watching;
      return () => {
        if (process.kill === watching) process.kill = original;
      };
    },
  };
}

/** The name of a signal given to process.kill (a name, a number, or undefined for SIGTERM). */
function signalName(signal: string | number | undefined): NodeJS.Signals | undefined {
  if (signal === undefined) return 'SIGTERM';
  if (typeof signal === 'string') return signal as NodeJS.Signals;
  return signalFromNumber(signal);
}
