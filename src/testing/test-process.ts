import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { describeValue } from '../describe-value.js';
import { nodeProcess } from '../process-facade.js';
import { validateNonEmptyString, validateOptionsObject } from '../validate-arguments.js';
import type { ProcessFacade } from '../index.js';
import { VirtualLoop } from './virtual-loop.js';
import type { Task } from './virtual-loop.js';

/** How a test process ended. */
export interface TestProcessEnd {
  /** `exit`: process.exit or the natural end (listeners ran); `exit-immediately`: exitNow; `signal`: died by a signal. */
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
  /** Resolves once the process has "ended" (exit, exitNow, a signal death, or with virtual time the natural end). */
  readonly ended: Promise<TestProcessEnd>;
  /** The end, once it happened. */
  readonly end: TestProcessEnd | undefined;
  /** The events that have listeners now, e.g. `['SIGINT', 'SIGTERM', 'exit']`. */
  eventNames(): string[];
  /**
   * A signal sent by another process (`kill -TERM`): delivered to the
   * listeners on a later turn of the loop, as Node does, or with none, the
   * default action: the process dies by it. Unlike `kill()` of its own pid,
   * it is not a signal the process sent itself.
   */
  receiveSignal(signal: NodeJS.Signals): void;
  /**
   * Keeps the process alive, as a ref'd handle (a server, an interval) would,
   * until the returned function is called. Matters with virtual time only.
   */
  keepAlive(): () => void;
  /**
   * A synchronous busy loop of `ms`: with virtual time the clock moves and
   * nothing else runs meanwhile (timers and signals wait). With real time it
   * really blocks.
   */
  block(ms: number): void;
}

/** Options of `createTestProcess()`. */
export interface TestProcessOptions {
  /** Pretend stderr is a terminal. Default false. */
  isTTY?: boolean;
  /** Reported by `platform`. Default `process.platform`. */
  platform?: string;
  /**
   * Run on a simulated event loop with a virtual clock instead of the real
   * timers: a 10 s deadline passes at once, and every run of the same test
   * gives the same result. Like a real process, it then ends naturally
   * (`'beforeExit'`, then `'exit'`) when nothing keeps it alive: use
   * `keepAlive()` for what your program would keep open. Default false.
   */
  virtualTime?: boolean;
}

class TextSink extends Writable {
  text = '';
  /** Set when the process ended: a dead process writes nothing more. */
  sealed = false;
  constructor(readonly isTTY: boolean) {
    super({ decodeStrings: false });
  }
  override _write(chunk: unknown, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.sealed) this.text += String(chunk);
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
 * By default timers and the clock are the real ones. `kill()` of its own pid
 * delivers the signal to listeners (asynchronously, as Node does) or, with
 * none, ends the process by that signal.
 */
export function createTestProcess(options: TestProcessOptions = {}): TestProcess {
  const given = validateOptionsObject(options, 'options', ['isTTY', 'platform', 'virtualTime']);
  for (const name of ['isTTY', 'virtualTime'] as const) {
    if (given[name] !== undefined && typeof given[name] !== 'boolean') {
      throw new TypeError(`options.${name} must be a boolean, got ${describeValue(given[name])}`);
    }
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
    stdout.sealed = stderr.sealed = true;
    loop?.stop();
    resolveEnded(result);
  };
  const emitExit = (code: number): void => {
    if (exiting) return;
    exiting = true;
    emitter.emit('exit', code);
  };
  const currentStatus = (): number => Number(exitCode ?? 0);

  const loop =
    given.virtualTime === true
      ? new VirtualLoop(
          () => emitter.emit('beforeExit', currentStatus()),
          () => {
            emitExit(currentStatus());
            finish({ how: 'exit', code: currentStatus(), signal: null });
          },
        )
      : undefined;
  const timers = loop === undefined ? realTimers() : virtualTimers(loop);
  const pid = 1_000_000 + Math.floor(Math.random() * 1000);
  /** A signal's arrival: with no listener, its default action ends the process at once. */
  const deliver = (signal: NodeJS.Signals): void => {
    if (emitter.listenerCount(signal) === 0) return finish({ how: 'signal', code: null, signal });
    // Delivered on a later turn of the loop, as Node does; signal watchers are unref'd.
    timers.later(() => {
      if (end !== undefined) return;
      if (emitter.listenerCount(signal) > 0) emitter.emit(signal, signal);
      else finish({ how: 'signal', code: null, signal });
    });
  };

  return {
    pid,
    platform: (given.platform as string | undefined) ?? process.platform,
    getExitCode: () => exitCode,
    setExitCode: (code) => {
      exitCode = code;
    },
    on: (event, listener) => void emitter.on(event, listener),
    off: (event, listener) => void emitter.off(event, listener),
    listenerCount: (event) => emitter.listenerCount(event),
    kill(target, signal) {
      if (end !== undefined) return;
      if (target !== pid) throw Object.assign(new Error(`kill ESRCH ${target}`), { code: 'ESRCH' });
      for (const watcher of selfSignalWatchers) watcher(signal);
      deliver(signal);
    },
    receiveSignal(signal) {
      if (end === undefined) deliver(signal);
    },
    exit(code) {
      if (end !== undefined) return;
      exitCode = code;
      if (capturedExitThrows !== undefined) throw capturedExitThrows.value;
      emitExit(code);
      finish({ how: 'exit', code: currentStatus(), signal: null });
    },
    exitImmediately(code) {
      finish({ how: 'exit-immediately', code, signal: null });
    },
    stdout,
    stderr,
    now: timers.now,
    setTimer: timers.setTimer,
    clearTimer: timers.clearTimer,
    activeResources: timers.activeResources,
    restoreTerminal: () => {},
    nextLoopTurn: timers.nextLoopTurn,
    runExitListeners(code) {
      emitExit(code);
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
    emit(event, ...args) {
      if (event === 'uncaughtException' && emitter.listenerCount(event) === 0) {
        // What Node does when nobody handles it: print, 'exit' with 1, end.
        stderr.write(`Uncaught ${String(args[0])}\n`);
        exitCode = 1;
        emitExit(1);
        return finish({ how: 'exit', code: 1, signal: null });
      }
      emitter.emit(event, ...(args.length > 0 ? args : event.startsWith('SIG') ? [event] : []));
    },
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
    keepAlive: timers.keepAlive,
    block: timers.block,
  };
}

/** The clock and timers of a test process. */
interface Timers {
  now(): number;
  setTimer(callback: () => void, ms: number, options: { ref: boolean }): unknown;
  clearTimer(timer: unknown): void;
  nextLoopTurn(callback: () => void): void;
  /** Runs `callback` on a later turn of the loop, without keeping it alive. */
  later(callback: () => void): void;
  activeResources(): string[];
  keepAlive(): () => void;
  block(ms: number): void;
}

function realTimers(): Timers {
  const { now, setTimer, clearTimer, nextLoopTurn } = nodeProcess(); // the real process's own clock and timers
  return {
    now,
    setTimer,
    clearTimer,
    nextLoopTurn,
    later: (callback) => void setImmediate(callback),
    activeResources: () => [],
    keepAlive() {
      const interval = setInterval(() => {}, 1 << 30);
      return () => clearInterval(interval);
    },
    block(ms) {
      for (const until = performance.now() + ms; performance.now() < until; );
    },
  };
}

function virtualTimers(loop: VirtualLoop): Timers {
  return {
    now: () => loop.now,
    setTimer: (callback, ms, { ref }) => loop.schedule(callback, ms, ref),
    clearTimer: (timer) => loop.cancel(timer as Task),
    nextLoopTurn: (callback) => void loop.schedule(callback, 0, true),
    later: (callback) => void loop.schedule(callback, 0, false),
    activeResources: () => loop.activeResources(),
    keepAlive() {
      const handle = loop.schedule(() => {}, Infinity, true);
      return () => loop.cancel(handle);
    },
    block: (ms) => loop.block(ms),
  };
}
