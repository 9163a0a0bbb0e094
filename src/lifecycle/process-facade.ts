import { isTtyLoaded, loadTty } from '../builtin-modules.js';

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
  /** Type names of what keeps the event loop alive (`process.getActiveResourcesInfo()`). */
  activeResources(): string[];
  /** Leaves the terminal usable before dying by a signal (undo raw mode). */
  restoreTerminal(): void;
}

/** The real process. Streams are read lazily: creating the facade touches nothing. */
export function nodeProcess(): ProcessFacade {
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
      const reallyExit = (process as unknown as { reallyExit?: (code: number) => never }).reallyExit;
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
    activeResources: () => process.getActiveResourcesInfo(),
    restoreTerminal: () => {
      // Node's own signal handler resets the terminal before dying
      // (ResetStdio in src/node.cc); dying by a re-raised signal skips that.
      // Loading node:tty costs more than a millisecond: skip it when no
      // terminal stream can exist.
      if (!isTtyLoaded() || !loadTty().isatty(0)) return;
      const stdin = process.stdin as NodeJS.ReadStream;
      if (stdin.isRaw) stdin.setRawMode(false);
    },
  };
}
