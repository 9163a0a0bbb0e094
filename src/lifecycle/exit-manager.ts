import { describeValue } from '../describe-value.js';
import { ExitStartedError, isExitError, isSystemExit, SystemExit } from '../errors.js';
import type { ExitHook, OnExitOptions } from '../hooks/exit-hook.js';
import { HookRegistry } from '../hooks/hook-registry.js';
import type { RegisteredHook } from '../hooks/hook-registry.js';
import { runHookSynchronously, startHook } from '../hooks/run-hook.js';
import type { CutReason, HookOutcome, HookRunContext, RunningHook } from '../hooks/run-hook.js';
import { flushOutput, undeliveredBytes } from '../output/flush-output.js';
import { formatError, formatUncaughtError } from '../output/format-error.js';
import { loadOs } from '../builtin-modules.js';
import { signalExitStatus } from '../signals.js';
import { FAILURE_STATUS, normalizeExitCode, resolveExitRequest, validateExitStatus } from '../status.js';
import { describeActiveResources } from './active-resources.js';
import { debugLog } from './debug-log.js';
import { defaultExitOptions, EXIT_OPTION_NAMES, mergeExitOptions } from './exit-options.js';
import { validateNonEmptyString, validateOptionsObject, validateTimeout } from '../validate-arguments.js';
import type { ExitOptions, ResolvedExitOptions } from './exit-options.js';
import { describeTrigger } from './exit-trigger.js';
import type { ExitTrigger } from './exit-trigger.js';
import { nodeProcess } from './process-facade.js';
import type { OutputStream, ProcessFacade } from './process-facade.js';

/**
 * After a forced end (second signal, error during cleanup, deadline), how long
 * stdout/stderr may still take to hand over what is queued. Short on purpose:
 * the user asked to stop now.
 */
export const FINAL_FLUSH_MS = 100;

/**
 * How long a re-raised signal may take to end the process when another
 * listener for it exists (it may absorb the signal: godaddy/terminus#181)
 * before the process exits with 128 + n instead.
 */
export const RERAISE_GRACE_MS = 250;

/**
 * A signal repeated within this window of the last one counted is the same
 * request, relayed twice: nodemon always signals twice (7–22 ms apart),
 * `node --watch` and tsx relay one Ctrl+C as two SIGINTs 1–32 ms apart
 * (reload-and-supervisors §D). A person's second Ctrl+C comes later.
 */
const DUPLICATE_SIGNAL_WINDOW_MS = 100;

/**
 * How long hooks may run one after another without letting the event loop
 * poll: a signal that arrives meanwhile (a second Ctrl+C) waits at most this
 * long to be seen, and each turn costs a few microseconds.
 */
const LOOP_TURN_INTERVAL_MS = 10;

/** What a hook's own `process.exit()` throws while hooks run synchronously (see `captureExitCalls`). */
const NESTED_PROCESS_EXIT = Symbol('process.exit() called inside an exit hook');

/**
 * Where the exit sequence is. One way: a manager exits once.
 * - `idle`: not exiting.
 * - `hooks`: running exit hooks.
 * - `flushing`: waiting for stdout/stderr to hand everything to the OS.
 * - `ending`: calling process.exit or re-raising the signal.
 * - `ended`: nothing left to do (natural end, direct process.exit(), exitNow()).
 */
export type ExitPhase = 'idle' | 'hooks' | 'flushing' | 'ending' | 'ended';

/** Options of `createExitManager()`. */
export interface ExitManagerOptions extends ExitOptions {
  /** The process to act on. Default: the real one. See `createTestProcess()` in farewell/testing. */
  process?: ProcessFacade;
}

/** The exit API bound to one process: what the module-level functions call on the process-wide manager. */
export interface ExitManager {
  /** See the module-level `exit()`. */
  exit(status?: number | string | Error | null): never;
  /** See the module-level `exitNow()`. */
  exitNow(code?: number): never;
  /** See the module-level `onExit()`. */
  onExit(hook: ExitHook, options?: OnExitOptions): () => void;
  /** See the module-level `configure()`. */
  configure(options: ExitOptions): void;
  /**
   * Starts the exit sequence without throwing, for code that is not on the
   * stack of the program's main flow (an event handler, a message from a
   * parent): the trigger is `{ kind: 'request', source }`. `status` defaults
   * to 0. Returns false, and changes nothing, when an exit is already under way.
   */
  requestExit(source: string, status?: number): boolean;
  /**
   * Reports a cleanup failure that a hook handled itself (a child that had to
   * be killed, requests cut at a drain timeout): the message goes to the
   * configured logger (default stderr), and, as for a failing hook, a status
   * of 0 becomes 1. Use it from inside exit hooks.
   */
  reportFailure(message: string): void;
  /** Aborts when the exit sequence begins. */
  readonly shutdownSignal: AbortSignal;
  /** Where the exit sequence is. */
  readonly phase: ExitPhase;
}

/** Creates an exit manager. Nothing is installed on the process until it is first used. */
export function createExitManager(options: ExitManagerOptions = {}): ExitManager {
  return createManager(options, false);
}

/** A manager that writes no debug log: the dry run of prime-exit-path.ts. */
export function createQuietExitManager(options: ExitManagerOptions): ExitManager {
  return createManager(options, true);
}

function createManager(options: unknown, quiet: boolean): ExitManager {
  const { process: givenFacade, ...exitOptions } = validateOptionsObject(options, 'options', MANAGER_OPTION_NAMES);
  const facade = (givenFacade ?? nodeProcess()) as ProcessFacade;
  if (typeof facade !== 'object' || facade === null || typeof facade.exit !== 'function') {
    throw new TypeError(`options.process must be a process facade (see createTestProcess), got ${describeValue(facade)}`);
  }
  return new ExitSequence(facade, mergeExitOptions(defaultExitOptions(facade.platform), exitOptions, 'options'), quiet);
}

const MANAGER_OPTION_NAMES = ['process', ...EXIT_OPTION_NAMES];

const ON_EXIT_OPTION_NAMES = ['name', 'timeout', 'group'];

class ExitSequence implements ExitManager {
  private readonly controller = new AbortController();
  private readonly registry = new HookRegistry();
  private readonly running = new Set<RunningHook>();
  /** Hooks of the current step not started yet: a hook's process.exit() must not lose its siblings. */
  private stepNotStarted: RegisteredHook[] = [];
  /** Errors thrown by exit() itself: when they surface as uncaught, the exit is already under way. */
  private readonly thrownByExit = new WeakSet<object>();
  private readonly brokenStreams = new Set<OutputStream>();

  phase: ExitPhase = 'idle';
  private trigger: ExitTrigger | undefined;
  /** The status as it stands (128 + n after signal n). */
  private status = 0;
  /** Set when the process is to end by a signal (the trigger's, or a second one). */
  private endSignal: NodeJS.Signals | undefined;
  private cleanupFailed = false;
  /** stdout or stderr broke (EPIPE) during the exit: what was still queued is lost. */
  private lostToBrokenPipe = false;
  private forced = false;
  private startedAt = 0;
  private deadlineTimer: unknown;
  /** When the event loop last polled during the hooks (see LOOP_TURN_INTERVAL_MS). */
  private lastLoopTurnAt = 0;
  /** When the last signal that counted arrived (see DUPLICATE_SIGNAL_WINDOW_MS). */
  private lastSignalAt = -Infinity;
  /** A signal arrived during an exit that something else started. */
  private signalDuringExit = false;
  /** Signals the process sent itself during the exit, not yet delivered. */
  private readonly selfSentSignals = new Map<NodeJS.Signals, number>();
  private unwatchSelfSignals: (() => void) | undefined;
  /** An uncaught error Node is about to end the process for (handleErrors false), for the 'exit' listener. */
  private uncaughtWithoutHandling: { error: unknown; origin: 'uncaughtException' | 'unhandledRejection' } | undefined;

  /** Set on first use: from then on uncaught errors and broken pipes are handled. */
  private armed = false;
  private installedSignals: NodeJS.Signals[] = [];
  private readonly installedEvents = new Set<string>();
  private streamsGuarded = false;

  constructor(
    private readonly facade: ProcessFacade,
    private options: ResolvedExitOptions,
    /** No debug log (the internal dry run of prime-exit-path.ts). */
    private readonly quiet: boolean,
  ) {
    // The manager's functions work detached, like the module-level ones:
    // `const { onExit, exit } = createExitManager(…)`.
    this.exit = this.exit.bind(this);
    this.exitNow = this.exitNow.bind(this);
    this.onExit = this.onExit.bind(this);
    this.configure = this.configure.bind(this);
    this.requestExit = this.requestExit.bind(this);
    this.reportFailure = this.reportFailure.bind(this);
  }

  get shutdownSignal(): AbortSignal {
    return this.controller.signal;
  }

  // ── Public API ────────────────────────────────────────────────────────────

  exit(value?: unknown): never {
    const request = resolveExitRequest(value, normalizeExitCode(this.facade.getExitCode()));
    if (this.phase !== 'idle') {
      // Already exiting: the first status stands; still unwind the caller.
      throw this.markThrown(request.problem ?? new SystemExit(this.statusAsShown()));
    }
    this.arm();
    if (request.problem) this.log(`farewell: exit(): ${request.problem.message}; exiting with status 1\n${formatError(request.problem)}`);
    if (request.message !== undefined) this.writeStderr(`${request.message}\n`);
    if (request.error !== undefined) this.printError(request.error);
    this.start({ kind: 'exit' }, request.status);
    throw this.markThrown(request.problem ?? new SystemExit(request.status));
  }

  exitNow(code?: unknown): never {
    let status = 0;
    if (code !== undefined) {
      try {
        status = validateExitStatus(code, 'code');
      } catch (problem) {
        this.writeStderr(`farewell: exitNow(): ${(problem as Error).message}; exiting with status 1\n`);
        status = FAILURE_STATUS;
      }
    }
    this.phase = 'ended';
    this.debug(() => `exitNow(${status}): ending at once, no hooks, no flush`);
    this.facade.exitImmediately(status);
    return undefined as never; // reached only with a test process
  }

  onExit(hook: ExitHook, options: OnExitOptions = {}): () => void {
    if (typeof hook !== 'function') throw new TypeError(`hook must be a function, got ${describeValue(hook)}`);
    const { name, timeout, group } = validateOnExitOptions(options);
    if (this.phase !== 'idle' && this.phase !== 'hooks') {
      throw new Error(`onExit(): the exit sequence has already run its hooks (phase "${this.phase}"); this hook would never run`);
    }
    this.arm();
    const registered = this.registry.add(hook, name, timeout, group);
    this.updateListeners();
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.registry.remove(registered);
      this.updateListeners();
    };
  }

  configure(options: ExitOptions): void {
    this.options = mergeExitOptions(this.options, options, 'options');
    this.arm();
  }

  requestExit(source: string, status: number = 0): boolean {
    validateNonEmptyString(source, 'source');
    validateExitStatus(status, 'status');
    if (this.phase !== 'idle') return false;
    this.arm();
    this.start({ kind: 'request', source }, status);
    return true;
  }

  reportFailure(message: string): void {
    if (typeof message !== 'string') throw new TypeError(`message must be a string, got ${describeValue(message)}`);
    this.cleanupFailed = true;
    this.log(message);
  }

  // ── The sequence ──────────────────────────────────────────────────────────

  private start(trigger: ExitTrigger, status: number, endSignal?: NodeJS.Signals): void {
    this.phase = 'hooks';
    this.trigger = trigger;
    this.status = status;
    this.endSignal = endSignal;
    this.startedAt = this.facade.now();
    this.lastLoopTurnAt = this.startedAt;
    this.unwatchSelfSignals = this.facade.watchSelfSignals((signal) => {
      this.selfSentSignals.set(signal, (this.selfSentSignals.get(signal) ?? 0) + 1);
    });
    // The deadline is armed before any user code runs: a hook may block the
    // event loop (mcollina/close-with-grace does the same). Unref'd: it must
    // never be what keeps the process alive.
    this.deadlineTimer = this.facade.setTimer(() => this.onDeadline(), this.options.timeout, { ref: false });
    this.updateListeners();
    this.debug(() => `exit started by ${describeTrigger(trigger)}, status ${this.statusAsShown()}, deadline ${this.options.timeout} ms`);
    if (trigger.kind === 'signal' && trigger.signal === 'SIGINT' && this.facade.stderr.isTTY === true) {
      this.log('farewell: exiting gracefully (press Ctrl+C again to force)');
    }
    this.controller.abort(new ExitStartedError(`The exit started: ${describeTrigger(trigger)}`, trigger));
    // Hooks start once the code that triggered the exit has unwound: its
    // finally blocks run first, as in Python.
    queueMicrotask(() => void this.runSequence());
  }

  private async runSequence(): Promise<void> {
    while (this.phase === 'hooks') {
      const step = this.registry.takeNextStep();
      if (step.length === 0) break;
      await this.runStep(step);
      if (this.phase !== 'hooks') return;
      // A hook that blocked the event loop also held back the deadline's
      // timer and any signal: look at the clock, and let the loop poll.
      if (this.facade.now() >= this.deadlineAt()) return this.onDeadline();
      if (this.facade.now() - this.lastLoopTurnAt >= LOOP_TURN_INTERVAL_MS) {
        await new Promise<void>((resolve) => this.facade.nextLoopTurn(resolve));
        this.lastLoopTurnAt = this.facade.now();
      }
    }
    if (this.phase !== 'hooks') return; // the deadline or a forced end took over
    if (this.trigger?.kind === 'natural') return this.endNaturally();
    this.phase = 'flushing';
    this.debug(() => `${this.elapsed()} flushing stdout and stderr`);
    const result = await flushOutput(this.facade, this.remainingTime());
    if (this.phase !== 'flushing') return;
    this.debug(() => `${this.elapsed()} flush: stdout ${result.stdout}, stderr ${result.stderr}`);
    if (result.stdout === 'timed-out' || result.stderr === 'timed-out') return this.onDeadline();
    this.end();
  }

  private async runStep(step: RegisteredHook[]): Promise<void> {
    const context = this.hookRunContext();
    this.stepNotStarted = [...step];
    const started: RunningHook[] = [];
    for (const hook of step) {
      // A hook of this step ended the process (exitNow(), process.exit()):
      // in a real process nothing after it runs.
      if (this.phase !== 'hooks') break;
      this.stepNotStarted.splice(this.stepNotStarted.indexOf(hook), 1);
      this.debug(() => `${this.elapsed()} hook "${hook.name}" started`);
      const running = startHook(hook, context);
      if (running.result !== undefined) {
        // Known at once (a sync hook): reported now, before a sibling's
        // synchronous process.exit() could end the process unreported.
        this.reportOutcome(running, running.result);
        continue;
      }
      this.running.add(running);
      started.push(running);
    }
    if (started.length > 0) {
      // A hook waiting on something that can never settle (a promise
      // nothing resolves, an unref'd timer) leaves the event loop empty, and
      // Node would go from 'beforeExit' straight to 'exit', where nothing
      // can be awaited. One more loop turn makes Node emit 'beforeExit'
      // again instead, where the stall is reported (onBeforeExit).
      this.facade.nextLoopTurn(() => {});
    }
    await Promise.all(
      started.map(async (running) => {
        const outcome = await running.outcome;
        // Not reported yet, unless cutRunning() did it meanwhile.
        if (this.running.delete(running)) this.reportOutcome(running, outcome);
      }),
    );
  }

  private reportOutcome(running: RunningHook, outcome: HookOutcome): void {
    const { name } = running.hook;
    const took = (): string => formatDuration(this.facade.now() - running.startedAt);
    this.debug(() => `${this.elapsed()} hook "${name}" ${outcome.kind}${outcome.kind === 'cut' ? ` (${outcome.reason})` : ''} after ${took()}`);
    if (outcome.kind === 'failed') {
      this.cleanupFailed = true;
      this.log(`farewell: exit hook "${name}" failed after ${took()}:\n${formatError(outcome.error)}`);
    } else if (outcome.kind === 'timed-out') {
      this.cleanupFailed = true;
      this.log(`farewell: exit hook "${name}" timed out after ${outcome.timeout} ms; continuing with the next hooks`);
    }
    // Cut hooks are reported all at once by whoever cut them.
  }

  /**
   * Stops waiting for every running hook; returns their names with how long
   * they ran. A hook that settled but whose outcome is not reported yet (it
   * is reported on a later microtask) is reported now instead of cut.
   */
  private cutRunning(reason: CutReason, abortReason: unknown): string[] {
    const now = this.facade.now();
    const names: string[] = [];
    for (const running of [...this.running]) {
      this.running.delete(running);
      if (running.result !== undefined) {
        this.reportOutcome(running, running.result);
        continue;
      }
      names.push(`"${running.hook.name}" (running for ${formatDuration(now - running.startedAt)})`);
      running.cut(reason, abortReason);
    }
    return names;
  }

  private describePending(runningNames: string[]): string {
    const notStarted = this.registry.pending().map((hook) => `"${hook.name}"`);
    const parts: string[] = [];
    if (runningNames.length > 0) parts.push(`still running: ${runningNames.join(', ')}`);
    if (notStarted.length > 0) parts.push(`not started: ${notStarted.join(', ')}`);
    return parts.length > 0 ? parts.join('; ') : 'no hook was pending';
  }

  private onDeadline(): void {
    this.deadlineTimer = undefined;
    const { timeout } = this.options;
    if (this.phase === 'hooks') {
      const running = this.cutRunning('deadline', new DOMException(`The exit deadline of ${timeout} ms was reached`, 'TimeoutError'));
      this.cleanupFailed = true;
      this.forced = true;
      this.log(
        `farewell: the exit did not finish within ${timeout} ms; ${this.describePending(running)}. ` +
          `Keeping the process alive: ${describeActiveResources(this.facade.activeResources())}`,
      );
      void this.finalFlushThenEnd();
    } else if (this.phase === 'flushing' && !this.forced) {
      this.cleanupFailed = true;
      this.log(`farewell: output was not fully delivered within the ${timeout} ms deadline (${this.describeQueuedOutput()})`);
      this.end();
    } else if (this.phase === 'ended' && this.trigger?.kind === 'natural') {
      // The hooks ran at the natural end, yet something still holds the loop.
      this.log(
        `farewell: the program ended and its exit hooks ran, but ${timeout} ms later the process is still kept alive by: ` +
          `${describeActiveResources(this.facade.activeResources())}`,
      );
      const status = normalizeExitCode(this.facade.getExitCode()) ?? 0;
      this.phase = 'ending';
      this.facade.exit(status === 0 ? FAILURE_STATUS : status);
    }
  }

  /**
   * A second signal or a second error while exiting: stop waiting, end now
   * (by `endSignal` when given). Once forced, a further one skips even the
   * final flush.
   */
  private force(what: string, endSignal?: NodeJS.Signals): void {
    if (this.phase !== 'hooks' && this.phase !== 'flushing') return;
    if (endSignal !== undefined) this.endSignal = endSignal;
    if (this.forced) return this.end();
    this.forced = true;
    const running = this.cutRunning('forced', new DOMException(`The exit was forced: ${what}`, 'AbortError'));
    // Cutting or skipping a hook is a failed cleanup.
    if (running.length > 0 || this.registry.pending().length > 0) this.cleanupFailed = true;
    this.log(`farewell: ${what} during the exit: ending now; ${this.describePending(running)}`);
    void this.finalFlushThenEnd();
  }

  private async finalFlushThenEnd(): Promise<void> {
    this.phase = 'flushing';
    await flushOutput(this.facade, FINAL_FLUSH_MS);
    if (this.phase === 'flushing') this.end();
  }

  /** Step 4: exit with the status, or die by the signal. */
  private end(): void {
    if (this.phase === 'ending' || this.phase === 'ended') return;
    this.phase = 'ending';
    if (this.deadlineTimer !== undefined) this.facade.clearTimer(this.deadlineTimer);
    this.stopWatchingSelfSignals();
    this.noticeOutputErrors();
    // Output lost to a closed pipe ends as the closed pipe would have, by
    // SIGPIPE (141 in a shell), unless the status already says failure.
    const signal = this.endSignal ?? (this.lostToBrokenPipe && this.status === 0 ? 'SIGPIPE' : undefined);
    if (signal !== undefined) {
      const mode = this.options.signalExit;
      if (mode === 'signal') return this.dieBySignal(signal);
      // A chosen status (e.g. 0, what a platform expects after a signal)
      // replaces 128 + n for an exit a signal started; it never hides a
      // failure: an exit started by an error or exit(n) keeps its status, and
      // a failed cleanup turns 0 into 1.
      const chosen = mode === 'code' ? signalExitStatus(signal) : this.trigger?.kind === 'signal' ? mode : this.status;
      const code = this.cleanupFailed && chosen === 0 ? FAILURE_STATUS : chosen;
      this.debug(() => `${this.elapsed()} ending with status ${code} for ${signal}`);
      this.facade.exit(code);
      return;
    }
    const status = this.cleanupFailed && this.status === 0 ? FAILURE_STATUS : this.status;
    this.debug(() => `${this.elapsed()} ending with status ${status}`);
    this.facade.exit(status);
  }

  /**
   * The natural end: the event loop emptied, hooks ran. Node ends the process
   * by itself once the loop is empty again, keeping process.exitCode (and its
   * own codes, e.g. 13 for an unsettled top-level await). The deadline stays
   * armed, unref'd, to report whatever still keeps the process alive.
   */
  private endNaturally(): void {
    this.noticeOutputErrors();
    // Output lost to a closed pipe ends as by SIGPIPE here too (see end()).
    if (this.lostToBrokenPipe && (normalizeExitCode(this.facade.getExitCode()) ?? 0) === 0) return this.end();
    this.phase = 'ended';
    this.stopWatchingSelfSignals();
    const status = normalizeExitCode(this.facade.getExitCode()) ?? 0;
    if (this.cleanupFailed && status === 0) this.facade.setExitCode(FAILURE_STATUS);
    this.debug(() => `${this.elapsed()} ending naturally with status ${this.cleanupFailed && status === 0 ? FAILURE_STATUS : status}`);
    this.updateListeners();
  }

  /**
   * Die by `signal`, so the parent sees a signal death (WIFSIGNALED) and a
   * shell stops a script on Ctrl+C (research: cross-language §6.4, WCE).
   * Node's re-raise is synchronous when nothing listens (node-platform-facts §3).
   */
  private dieBySignal(signal: NodeJS.Signals): void {
    const code = signalExitStatus(signal);
    this.uninstallSignals();
    // If the signal is absorbed and the loop then empties, the status is still right.
    this.facade.setExitCode(code);
    this.debug(() => `${this.elapsed()} ending by re-raising ${signal}`);
    if (this.facade.platform === 'win32') {
      // Windows has no real signals: process.kill terminates without a status (research §10).
      this.facade.exit(code);
      return;
    }
    this.facade.restoreTerminal();
    // Dying by a signal runs no 'exit' listener; other code relies on them
    // (pino's transports flush there: 0 of 5001 lines were kept without,
    // reload-and-supervisors §E). Run them as process.exit() would.
    try {
      this.facade.runExitListeners(code);
    } catch (error) {
      this.log(`farewell: an 'exit' listener threw:\n${formatError(error)}`);
    }
    if (this.facade.listenerCount(signal) === 0) {
      // Removing the last listener makes libuv restore the default action.
      // SIGPIPE never had one (Node ignores it), so add and remove one.
      const noop = (): void => {};
      this.facade.on(signal, noop);
      this.facade.off(signal, noop);
    }
    try {
      this.facade.kill(this.facade.pid, signal);
    } catch (error) {
      this.debug(() => `re-raising ${signal} failed (${(error as Error).message}); exiting with status ${code}`);
      this.facade.exit(code);
      return;
    }
    if (this.facade.listenerCount(signal) === 0) {
      // Still alive with nobody listening: the signal is ignored (PID 1 in a container).
      this.facade.exit(code);
      return;
    }
    this.facade.setTimer(() => this.facade.exit(code), RERAISE_GRACE_MS, { ref: true });
  }

  // ── Process events ───────────────────────────────────────────────────────

  /**
   * A handled signal. The first starts the exit; a second one forces it to
   * end at once (a person pressing Ctrl+C twice). Not a second request:
   * a repeat within DUPLICATE_SIGNAL_WINDOW_MS (a supervisor relaying the
   * signal twice), a signal the process sent itself (NestJS re-raises the
   * signal after its own hooks, reload-and-supervisors §D), and the first
   * signal during an exit something else started (it asks for what is
   * already happening).
   */
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    const now = this.facade.now();
    if (this.phase === 'idle') {
      this.lastSignalAt = now;
      this.start({ kind: 'signal', signal }, signalExitStatus(signal), signal);
      return;
    }
    const selfSent = this.selfSentSignals.get(signal) ?? 0;
    if (selfSent > 0) {
      this.selfSentSignals.set(signal, selfSent - 1);
      this.debug(() => `${this.elapsed()} ${signal} was sent by this process to itself: not a second request to stop`);
      return;
    }
    if (now - this.lastSignalAt < DUPLICATE_SIGNAL_WINDOW_MS) {
      this.debug(() => `${this.elapsed()} ${signal} ${Math.round(now - this.lastSignalAt)} ms after the previous signal: the same request, relayed twice`);
      return;
    }
    this.lastSignalAt = now;
    if (this.trigger?.kind !== 'signal' && !this.signalDuringExit) {
      this.signalDuringExit = true;
      this.debug(() => `${this.elapsed()} ${signal} during the exit: already exiting`);
      if (signal === 'SIGINT' && this.facade.stderr.isTTY === true) this.log('farewell: already exiting (press Ctrl+C again to force)');
      return;
    }
    this.force(`received ${signal} again`, signal);
  };

  private readonly onUncaughtException = (error: unknown, origin: 'uncaughtException' | 'unhandledRejection'): void => {
    if (isSystemExit(error) || this.isThrownByExit(error)) {
      // exit() already started the sequence; a SystemExit thrown by hand starts one.
      if (this.phase === 'idle' && isSystemExit(error)) this.start({ kind: 'exit' }, this.statusOfError(error));
      return;
    }
    if (this.phase === 'idle') {
      this.printError(error);
      this.start({ kind: 'error', error, origin }, this.statusOfError(error));
      return;
    }
    this.cleanupFailed = true;
    this.log(`farewell: ${origin === 'unhandledRejection' ? 'an unhandled rejection' : 'an uncaught exception'} during the exit:`);
    this.printError(error);
    if (this.phase === 'hooks' || this.phase === 'flushing') {
      this.force(`an error`);
    } else if (this.phase === 'ended') {
      // After a natural end or a direct process.exit(): nothing left to run.
      const status = normalizeExitCode(this.facade.getExitCode()) ?? 0;
      this.phase = 'ending';
      this.facade.exit(status === 0 ? FAILURE_STATUS : status);
    }
  };

  private readonly onBeforeExit = (): void => {
    if (this.phase === 'idle') {
      this.start({ kind: 'natural' }, normalizeExitCode(this.facade.getExitCode()) ?? 0);
    } else if (this.phase === 'hooks' && this.running.size > 0) {
      // The loop is empty while hooks wait: nothing can ever settle their
      // promises. Waiting for the deadline would only waste time.
      const running = this.cutRunning('stalled', new DOMException('The event loop is empty: nothing can settle this hook', 'AbortError'));
      this.cleanupFailed = true;
      this.log(`farewell: exit hook ${running.join(', ')} never settled: the event loop emptied while it waited (a promise nothing resolves?)`);
    }
  };

  /**
   * The process is ending without waiting: `process.exit()` was called
   * directly, or Node is ending for an uncaught error it handles itself
   * (handleErrors false). Nothing can be awaited, so hooks run
   * synchronously, with the same order and registration rules as on any
   * other path: a hook registered meanwhile runs next, and a hook's own
   * `process.exit(n)` sets the status while the older hooks still run.
   */
  private readonly onProcessExit = (code: number): void => {
    if (this.phase === 'ending' || this.phase === 'ended') return;
    if (this.phase === 'idle') {
      const uncaught = this.uncaughtWithoutHandling;
      this.trigger = uncaught === undefined ? { kind: 'process-exit' } : { kind: 'error', ...uncaught };
      this.startedAt = this.facade.now();
      this.status = normalizeExitCode(this.facade.getExitCode()) ?? normalizeExitCode(code) ?? 0;
      this.controller.abort(new ExitStartedError(`The exit started: ${describeTrigger(this.trigger)}`, this.trigger));
    } else {
      const running = this.cutRunning('forced', new DOMException('process.exit() was called', 'AbortError'));
      if (running.length > 0) {
        this.log(`farewell: process.exit() was called during the exit; hooks cut short: ${running.join(', ')}`);
      }
    }
    this.phase = 'hooks';
    if (this.deadlineTimer !== undefined) this.facade.clearTimer(this.deadlineTimer);
    this.stopWatchingSelfSignals();
    this.debug(() => `${describeTrigger(this.trigger!)}: running the hooks synchronously`);
    const context = { ...this.hookRunContext(), isExitSignal: (error: unknown) => error === NESTED_PROCESS_EXIT || this.isThrownByExit(error) || isSystemExit(error) };
    const unawaited: string[] = [];
    const stopCapturing = this.facade.captureExitCalls(NESTED_PROCESS_EXIT);
    try {
      // First the rest of the step a hook of which called process.exit().
      const rest = this.stepNotStarted.splice(0);
      for (let step = rest.length > 0 ? rest : this.registry.takeNextStep(); step.length > 0 && this.phase === 'hooks'; step = this.registry.takeNextStep()) {
        for (const hook of step) {
          if (this.phase !== 'hooks') break; // exitNow() inside a hook: the process is gone
          const result = runHookSynchronously(hook, context);
          if (result.returnedPromise) unawaited.push(`"${hook.name}"`);
          if ('error' in result) {
            this.cleanupFailed = true;
            this.log(`farewell: exit hook "${hook.name}" failed:\n${formatError(result.error)}`);
          }
        }
      }
    } finally {
      stopCapturing();
    }
    if (this.phase !== 'hooks') return; // ended by exitNow()
    this.phase = 'ended';
    if (unawaited.length > 0) {
      const why =
        this.trigger?.kind === 'error'
          ? `the process is ending because of ${describeTrigger(this.trigger)} (handleErrors is false)`
          : 'process.exit() was called directly';
      const advice = this.trigger?.kind === 'error' ? '' : ' Call exit() from farewell instead to let them finish.';
      this.log(`farewell: ${why}, so the promises returned by these exit hooks could not be awaited: ${unawaited.join(', ')}.${advice}`);
    }
    if (this.cleanupFailed && (normalizeExitCode(this.facade.getExitCode()) ?? normalizeExitCode(code) ?? 0) === 0) {
      this.facade.setExitCode(FAILURE_STATUS);
    }
  };

  /**
   * With handleErrors false, Node ends the process itself for an uncaught
   * error, emitting 'exit' right after this monitor: remember the error so
   * that onProcessExit names it, not a process.exit() nobody called.
   */
  private readonly onUncaughtMonitor = (error: unknown, origin: 'uncaughtException' | 'unhandledRejection'): void => {
    if (this.phase !== 'idle' || this.installedEvents.has('uncaughtException')) return;
    this.uncaughtWithoutHandling = { error, origin };
    // If the application handles it and goes on, the next microtask forgets it.
    queueMicrotask(() => {
      this.uncaughtWithoutHandling = undefined;
    });
  };

  private readonly onStdoutError = (error: Error): void => this.onOutputError(this.facade.stdout, 'stdout', error);
  private readonly onStderrError = (error: Error): void => this.onOutputError(this.facade.stderr, 'stderr', error);

  /**
   * Without a listener, an EPIPE on stdout crashes the process with an
   * unhandled 'error' (node-platform-facts §2). A closed stdout is the Unix
   * signal to stop: like `yes | head -1`, the process exits gracefully and
   * ends as by SIGPIPE (status 141 in a shell). Later writes are dropped.
   */
  private onOutputError(stream: OutputStream, name: string, error: Error): void {
    if (this.brokenStreams.has(stream)) return;
    this.brokenStreams.add(stream);
    const code = (error as NodeJS.ErrnoException).code;
    this.debug(() => `${name} error ${code ?? error.message}; no more output on it`);
    if (this.phase === 'idle') {
      if (name !== 'stdout') return;
      if (code === 'EPIPE') {
        this.start({ kind: 'broken-pipe' }, signalExitStatus('SIGPIPE'), 'SIGPIPE');
      } else {
        this.printError(error);
        this.start({ kind: 'error', error, origin: 'uncaughtException' }, FAILURE_STATUS);
      }
      return;
    }
    // During the exit: what was still queued on the stream is lost, so the
    // exit must not end with 0 (a closed pipe ends as by SIGPIPE, see end()).
    this.cleanupFailed = true;
    if (code === 'EPIPE') this.lostToBrokenPipe = true;
    else this.log(`farewell: ${name} failed: ${error.message}; output was lost`);
  }

  // ── Listeners ─────────────────────────────────────────────────────────────

  /** First use: from now on uncaught errors and broken pipes are handled. */
  /** Called once, at first use (the process-wide manager primes the exit path there). */
  onFirstArm: (() => void) | undefined;

  arm(): void {
    if (!this.armed) {
      loadOs(); // the signal table, loaded now rather than on the exit path
      this.armed = true;
      this.onFirstArm?.();
    }
    this.updateListeners();
  }

  /**
   * Installs exactly the listeners the current state needs:
   * - signals, 'beforeExit', 'exit': while hooks are registered or an exit is under way;
   *   removing the last hook gives Node its default signal behaviour back;
   * - 'uncaughtException': after first use (unless handleErrors is false), and always while exiting;
   * - stdout/stderr 'error': after first use, for good.
   */
  private updateListeners(): void {
    const exiting = this.phase === 'hooks' || this.phase === 'flushing';
    const lifecycle = exiting || (this.phase === 'idle' && this.registry.size > 0);
    const wanted = lifecycle ? this.options.signals : [];
    for (const signal of this.installedSignals) if (!wanted.includes(signal)) this.facade.off(signal, this.onSignal);
    for (const signal of wanted) if (!this.installedSignals.includes(signal)) this.facade.on(signal, this.onSignal);
    this.installedSignals = [...wanted];
    this.toggle('beforeExit', this.onBeforeExit, lifecycle);
    this.toggle('exit', this.onProcessExit, lifecycle);
    const errors = exiting || (this.armed && this.options.handleErrors && this.phase !== 'ending');
    this.toggle('uncaughtException', this.onUncaughtException, errors);
    this.toggle('uncaughtExceptionMonitor', this.onUncaughtMonitor, lifecycle && !errors);
    if (this.armed && !this.streamsGuarded) {
      this.streamsGuarded = true;
      this.facade.stdout.on('error', this.onStdoutError);
      this.facade.stderr.on('error', this.onStderrError);
    }
  }

  /**
   * A write that failed sets `stream.errored` at once, but the 'error'
   * event comes on a later tick: an exit that ends within one microtask
   * drain (an ESM module calling exit()) would miss it.
   */
  private noticeOutputErrors(): void {
    for (const [stream, name] of [[this.facade.stdout, 'stdout'], [this.facade.stderr, 'stderr']] as const) {
      const error = stream.errored;
      if (error) this.onOutputError(stream, name, error);
    }
  }

  private stopWatchingSelfSignals(): void {
    this.unwatchSelfSignals?.();
    this.unwatchSelfSignals = undefined;
  }

  private uninstallSignals(): void {
    for (const signal of this.installedSignals) this.facade.off(signal, this.onSignal);
    this.installedSignals = [];
  }

  private toggle(event: string, listener: (...args: any[]) => void, wanted: boolean): void {
    if (wanted === this.installedEvents.has(event)) return;
    if (wanted) {
      this.facade.on(event, listener);
      this.installedEvents.add(event);
    } else {
      this.facade.off(event, listener);
      this.installedEvents.delete(event);
    }
  }

  // ── Helpers ───────────────────────────────────────────────────────────────

  private hookRunContext(): HookRunContext {
    return {
      trigger: this.trigger!,
      exitCode: this.statusAsShown(),
      facade: this.facade,
      startedAt: this.startedAt,
      deadlineAt: this.deadlineAt(),
      isExitSignal: (error) => isSystemExit(error) || this.isThrownByExit(error),
    };
  }

  /** The status as hooks and callers see it: 128 + n when ending by signal n. */
  private statusAsShown(): number {
    return this.endSignal !== undefined ? signalExitStatus(this.endSignal) : this.status;
  }

  private statusOfError(error: unknown): number {
    if (!isExitError(error) && !isSystemExit(error) && !(error instanceof Error)) return FAILURE_STATUS;
    const request = resolveExitRequest(error, undefined);
    if (request.problem) this.log(`farewell: ${request.problem.message}; exiting with status 1`);
    return request.status;
  }

  private debug(message: () => string): void {
    if (!this.quiet) debugLog(message);
  }

  private markThrown<T extends Error>(error: T): T {
    this.thrownByExit.add(error);
    return error;
  }

  private isThrownByExit(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.thrownByExit.has(error);
  }

  private deadlineAt(): number {
    return this.startedAt + this.options.timeout;
  }

  private remainingTime(): number {
    return Math.max(0, this.deadlineAt() - this.facade.now());
  }

  private elapsed(): string {
    return `+${(this.facade.now() - this.startedAt).toFixed(1)}ms`;
  }

  private describeQueuedOutput(): string {
    const queued = (stream: OutputStream): string =>
      this.brokenStreams.has(stream) ? 'closed' : `${undeliveredBytes(stream)} bytes not delivered`;
    return `stdout: ${queued(this.facade.stdout)}, stderr: ${queued(this.facade.stderr)}`;
  }

  private writeStderr(text: string): void {
    if (this.brokenStreams.has(this.facade.stderr)) return;
    try {
      this.facade.stderr.write(text);
    } catch {
      // stderr is gone; there is nowhere left to report to.
    }
  }

  /** The library's own messages go to the configured logger, else to stderr. */
  private log(message: string): void {
    if (this.options.logger) {
      try {
        this.options.logger(message);
        return;
      } catch (error) {
        this.writeStderr(`farewell: the logger threw ${formatError(error)}\n`);
      }
    }
    this.writeStderr(`${message}\n`);
  }

  private printError(error: unknown): void {
    const text = formatUncaughtError(error);
    if (text !== '') this.log(text);
  }
}

function validateOnExitOptions(options: unknown): { name: string | undefined; timeout: number | undefined; group: string | undefined } {
  const given = validateOptionsObject(options, 'options', ON_EXIT_OPTION_NAMES);
  // Every key set, even when undefined: a missing one would be read through Object.prototype.
  return {
    name: given.name === undefined ? undefined : validateNonEmptyString(given.name, 'options.name'),
    timeout: given.timeout === undefined ? undefined : validateTimeout(given.timeout, 'options.timeout'),
    group: given.group === undefined ? undefined : validateNonEmptyString(given.group, 'options.group'),
  };
}

function formatDuration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

