import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describeValue } from '../describe-value.js';
import { validateNonEmptyString, validateOptionsObject } from '../validate-arguments.js';
import type { ProcessFacade } from '../index.js';

/** How a test process ended. */
export interface TestProcessEnd {
  /** `exit`: process.exit (listeners ran); `exit-immediately`: exitNow; `signal`: died by a signal. */
  readonly how: 'exit' | 'exit-immediately' | 'signal';
  /** The exit status, or null for a signal death. */
  readonly code: number | null;
  /** The signal it died by, or null. */
  readonly signal: NodeJS.Signals | null;
}

/** A process facade that records instead of acting; see `createTestProcess`. */
export interface TestProcess extends ProcessFacade {
  /** Emits a process event as Node would: `emit('SIGTERM')`, `emit('beforeExit')`, `emit('uncaughtException', error, 'uncaughtException')`. */
  emit(event: string, ...args: unknown[]): void;
  /** Everything written to stdout and stderr so far. */
  readonly output: { readonly stdout: string; readonly stderr: string };
  /** Resolves once the process has "ended" (exit, exitNow or a signal death). */
  readonly ended: Promise<TestProcessEnd>;
  /** The end, once it happened. */
  readonly end: TestProcessEnd | undefined;
  /** The events that have listeners now, e.g. `['SIGINT', 'SIGTERM', 'exit']`. */
  eventNames(): string[];
}

/** Options of `createTestProcess()`. */
export interface TestProcessOptions {
  /** Pretend stderr is a terminal. Default false. */
  isTTY?: boolean;
  /** Reported by `platform`. Default `process.platform`. */
  platform?: string;
}

class TextSink extends Writable {
  text = '';
  constructor(readonly isTTY: boolean) {
    super({ decodeStrings: false });
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.text += String(chunk);
    callback();
  }
}

/**
 * A fake process for unit-testing shutdown logic in-process, without killing
 * the test runner:
 *
 * ```ts
 * const proc = createTestProcess();
 * const manager = createExitManager({ process: proc });
 * manager.onExit(async () => { await db.close(); });
 * proc.emit('SIGTERM');
 * assert.deepEqual(await proc.ended, { how: 'signal', code: null, signal: 'SIGTERM' });
 * ```
 *
 * Timers and the clock are the real ones. `kill()` of its own pid delivers the
 * signal to listeners (asynchronously, as Node does) or, with none, ends the
 * process by that signal.
 */
export function createTestProcess(options: TestProcessOptions = {}): TestProcess {
  const given = validateOptionsObject(options, 'options', ['isTTY', 'platform']);
  if (given.isTTY !== undefined && typeof given.isTTY !== 'boolean') {
    throw new TypeError(`options.isTTY must be a boolean, got ${describeValue(given.isTTY)}`);
  }
  if (given.platform !== undefined) validateNonEmptyString(given.platform, 'options.platform');
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  const stdout = new TextSink(false);
  const stderr = new TextSink(given.isTTY === true);
  let exitCode: unknown;
  let end: TestProcessEnd | undefined;
  /** As Node's process._exiting: 'exit' is emitted once. */
  let exiting = false;
  /** Set by captureExitCalls: what exit() throws instead of ending. */
  let capturedExitThrows: { value: unknown } | undefined;
  const selfSignalWatchers = new Set<(signal: NodeJS.Signals) => void>();
  let resolveEnded!: (end: TestProcessEnd) => void;
  const ended = new Promise<TestProcessEnd>((resolve) => (resolveEnded = resolve));
  const finish = (result: TestProcessEnd): void => {
    if (end !== undefined) return;
    end = result;
    resolveEnded(result);
  };

  return {
    pid: 1_000_000 + Math.floor(Math.random() * 1000),
    platform: (given.platform as string | undefined) ?? process.platform,
    getExitCode: () => exitCode,
    setExitCode: (code) => {
      exitCode = code;
    },
    on: (event, listener) => void emitter.on(event, listener),
    off: (event, listener) => void emitter.off(event, listener),
    listenerCount: (event) => emitter.listenerCount(event),
    kill(pid, signal) {
      if (end !== undefined) return;
      if (pid !== this.pid) throw Object.assign(new Error(`kill ESRCH ${pid}`), { code: 'ESRCH' });
      for (const watcher of selfSignalWatchers) watcher(signal);
      if (emitter.listenerCount(signal) > 0) setImmediate(() => emitter.emit(signal, signal));
      else finish({ how: 'signal', code: null, signal });
    },
    exit(code) {
      if (end !== undefined) return;
      exitCode = code;
      if (capturedExitThrows !== undefined) throw capturedExitThrows.value;
      if (!exiting) {
        exiting = true;
        emitter.emit('exit', code);
      }
      finish({ how: 'exit', code: Number(exitCode ?? 0), signal: null });
    },
    exitImmediately(code) {
      finish({ how: 'exit-immediately', code, signal: null });
    },
    stdout,
    stderr,
    now: () => performance.now(),
    setTimer(callback, ms, { ref }) {
      const timer = setTimeout(callback, ms);
      if (!ref) timer.unref();
      return timer;
    },
    clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
    activeResources: () => [],
    restoreTerminal: () => {},
    nextLoopTurn: (callback) => void setImmediate(() => setImmediate(callback)),
    runExitListeners(code) {
      exiting = true;
      emitter.emit('exit', code);
    },
    captureExitCalls(thrown) {
      capturedExitThrows = { value: thrown };
      return () => {
        capturedExitThrows = undefined;
      };
    },
    watchSelfSignals(listener) {
      const watcher = (signal: NodeJS.Signals): void => listener(signal);
      selfSignalWatchers.add(watcher);
      return () => void selfSignalWatchers.delete(watcher);
    },
    emit: (event, ...args) => void emitter.emit(event, ...(args.length > 0 ? args : event.startsWith('SIG') ? [event] : [])),
    output: {
      get stdout() {
        return stdout.text;
      },
      get stderr() {
        return stderr.text;
      },
    },
    ended,
    get end() {
      return end;
    },
    eventNames: () => emitter.eventNames().map(String),
  };
}
