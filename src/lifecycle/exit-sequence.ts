import { debugLog } from '../debug-log.js';
import { ExitStartedError, isExitError, isSystemExit } from '../errors.js';
import { describeTrigger } from '../exit-trigger.js';
import type { ExitTrigger } from '../exit-trigger.js';
import { HookRegistry } from '../hooks/hook-registry.js';
import { HookSteps } from '../hooks/hook-steps.js';
import type { HookOutcome, HookRunContext, RunningHook } from '../hooks/run-hook.js';
import { describePending, ExitMessages } from '../output/exit-messages.js';
import { flushOutput, undeliveredBytes } from '../output/flush-output.js';
import { formatDuration } from '../output/format-duration.js';
import { formatError } from '../output/format-error.js';
import { OutputWatch } from '../output/watch-output.js';
import type { OutputFailure } from '../output/watch-output.js';
import type { ProcessFacade } from '../process-facade.js';
import { signalExitStatus } from '../signals.js';
import { FAILURE_STATUS, normalizeExitCode } from '../exit-status.js';
import { resolveExitRequest } from '../exit-request.js';
import { describeActiveResources } from './active-resources.js';
import { decideEnd, endProcess } from './end-process.js';
import type { ProcessEnd } from './end-process.js';
import type { ResolvedExitOptions } from './exit-options.js';
import { ExitReportBuilder } from './exit-report.js';
import { ExitState } from './exit-state.js';
import { RepeatedSignals } from './repeated-signals.js';

/**
 * After a forced end (second signal, error during cleanup, deadline), how long
 * stdout/stderr may still take to hand over what is queued. Short on purpose:
 * the user asked to stop now.
 */
const FINAL_FLUSH_MS = 100;

/**
 * How long hooks may run one after another without letting the event loop
 * poll: a signal that arrives meanwhile (a second Ctrl+C) waits at most this
 * long to be seen, and each turn costs a few microseconds.
 */
const LOOP_TURN_INTERVAL_MS = 10;

/**
 * The exit sequence of one process, as a state machine:
 * trigger → `shutdownSignal` aborts → hooks, one step at a time, under the
 * global deadline → stdout and stderr flushed → the end (a status, or death
 * by the signal). What starts it: the process's events (process-listeners.ts)
 * and the public API (exit-manager.ts), which call it. Internal: not
 * exported by the package.
 */
export class ExitSequence extends ExitState {
  private deadlineTimer: unknown;
  private lastLoopTurnAt = 0;
  private unwatchSelfSignals: (() => void) | undefined;

  readonly registry = new HookRegistry();
  readonly steps: HookSteps;
  readonly messages: ExitMessages;
  readonly output: OutputWatch;
  readonly repeatedSignals = new RepeatedSignals();
  readonly report: ExitReportBuilder;
  /** Called when the phase changes what must listen to the process (process-listeners.ts, wired by exit-manager.ts). */
  onStateChange: () => void = () => {};
  private readonly controller = new AbortController();

  constructor(
    readonly facade: ProcessFacade,
    public options: ResolvedExitOptions,
    /** No debug log (the internal dry run of prime-exit-path.ts). */
    private readonly quiet: boolean,
  ) {
    super(() => facade.now());
    this.messages = new ExitMessages(facade, () => this.options.logger, () => this.output.isBroken(facade.stderr));
    this.output = new OutputWatch(facade, (failure) => this.outputFailed(failure));
    this.report = new ExitReportBuilder((error) => this.messages.log(`farewell: an exit report listener threw:\n${formatError(error)}`), quiet);
    this.steps = new HookSteps(
      facade,
      (hook) => {
        this.debug(() => `${this.elapsed()} hook "${hook.name}" started`);
        this.report.hookStarted(hook, this.facade.now());
      },
      (running, outcome) => this.hookSettled(running, outcome),
    );
  }

  get shutdownSignal(): AbortSignal {
    return this.controller.signal;
  }

  // ── 1. Trigger and abort ─────────────────────────────────────────────────

  start(trigger: ExitTrigger, status: number, endSignal?: NodeJS.Signals): void {
    this.began(trigger, status);
    this.phase = 'hooks';
    this.endSignal = endSignal;
    this.lastLoopTurnAt = this.startedAt;
    if (trigger.kind === 'signal') this.repeatedSignals.started(this.startedAt);
    this.unwatchSelfSignals = this.facade.watchSelfSignals((signal) => this.repeatedSignals.sentBySelf(signal));
    // The deadline is armed before any user code runs: a hook may block the
    // event loop (mcollina/close-with-grace does the same). Unref'd: it must
    // never be what keeps the process alive.
    this.deadlineTimer = this.facade.setTimer(() => this.deadlineReached(), this.options.timeout, { ref: false });
    this.onStateChange();
    this.debug(() => `exit started by ${describeTrigger(trigger)}, status ${this.statusAsShown()}, deadline ${this.options.timeout} ms`);
    if (trigger.kind === 'signal' && trigger.signal === 'SIGINT' && this.facade.stderr.isTTY === true) {
      this.messages.log('farewell: exiting gracefully (press Ctrl+C again to force)');
    }
    // Hooks start once the code that triggered the exit has unwound: its
    // finally blocks run first, as in Python.
    queueMicrotask(() => void this.runHooks());
  }

  /** What every way of exiting does first: record the trigger, abort `shutdownSignal`. */
  began(trigger: ExitTrigger, status: number): void {
    this.trigger = trigger;
    this.status = status;
    this.startedAt = this.facade.now();
    this.report.started(trigger, status, this.startedAt, this.options.timeout);
    this.controller.abort(new ExitStartedError(`The exit started: ${describeTrigger(trigger)}`, trigger));
  }

  // ── 2. Hooks, then 3. flush ──────────────────────────────────────────────

  private async runHooks(): Promise<void> {
    while (this.phase === 'hooks') {
      const step = this.registry.takeNextStep();
      if (step.length === 0) break;
      await this.steps.run(step, this.hookContext(), () => this.phase === 'hooks');
      if (this.phase !== 'hooks') return;
      // A hook that blocked the event loop also held back the deadline's
      // timer and any signal: look at the clock, and let the loop poll.
      if (this.facade.now() >= this.deadlineAt()) return this.deadlineReached();
      if (this.facade.now() - this.lastLoopTurnAt >= LOOP_TURN_INTERVAL_MS) {
        await new Promise<void>((resolve) => this.facade.nextLoopTurn(resolve));
        this.lastLoopTurnAt = this.facade.now();
      }
    }
    if (this.phase !== 'hooks') return; // the deadline or a forced end took over
    if (this.trigger?.kind === 'natural') return this.endNaturally();
    this.phase = 'flushing';
    this.debug(() => `${this.elapsed()} flushing stdout and stderr`);
    const flushStartedAt = this.facade.now();
    const result = await flushOutput(this.facade, this.remainingTime());
    if (this.phase !== 'flushing') return;
    this.report.flushed({
      ...result,
      durationMs: this.facade.now() - flushStartedAt,
      undeliveredBytes: { stdout: undeliveredBytes(this.facade.stdout), stderr: undeliveredBytes(this.facade.stderr) },
    });
    this.debug(() => `${this.elapsed()} flush: stdout ${result.stdout}, stderr ${result.stderr}`);
    if (result.stdout === 'timed-out' || result.stderr === 'timed-out') return this.deadlineReached();
    this.end();
  }

  private hookSettled(running: RunningHook, outcome: HookOutcome): void {
    const { name } = running.hook;
    this.report.hookSettled(running.hook, outcome, this.facade.now());
    const took = (): string => formatDuration(this.facade.now() - running.startedAt);
    this.debug(() => `${this.elapsed()} hook "${name}" ${outcome.kind}${outcome.kind === 'cut' ? ` (${outcome.reason})` : ''} after ${took()}`);
    if (outcome.kind === 'failed') {
      this.cleanupFailed = true;
      this.messages.log(`farewell: exit hook "${name}" failed after ${took()}:\n${formatError(outcome.error)}`);
    } else if (outcome.kind === 'timed-out') {
      this.cleanupFailed = true;
      this.messages.log(`farewell: exit hook "${name}" timed out after ${outcome.timeout} ms; continuing with the next hooks`);
    }
    // Cut hooks are reported all at once by whoever cut them.
  }

  // ── What cuts the hooks short ─────────────────────────────────────────────

  /** The global deadline passed: cut what runs, skip what waits, end (0 becomes 1). */
  deadlineReached(): void {
    this.deadlineTimer = undefined;
    const { timeout } = this.options;
    if (this.phase === 'hooks') {
      const activeResources = this.facade.activeResources();
      this.report.forced('deadline', this.facade.now(), undefined, activeResources);
      const running = this.steps.cut('deadline', new DOMException(`The exit deadline of ${timeout} ms was reached`, 'TimeoutError'));
      this.cleanupFailed = true;
      this.forced = true;
      this.messages.log(
        `farewell: the exit did not finish within ${timeout} ms; ${describePending(running, this.registry.pending().map((hook) => hook.name))}. ` +
          `Keeping the process alive: ${describeActiveResources(activeResources)}`,
      );
      void this.finalFlushThenEnd();
    } else if (this.phase === 'flushing' && !this.forced) {
      this.cleanupFailed = true;
      this.messages.log(`farewell: output was not fully delivered within the ${timeout} ms deadline (${this.output.describeUndelivered()})`);
      this.end();
    } else if (this.phase === 'ended' && this.trigger?.kind === 'natural') {
      // The hooks ran at the natural end, yet something still holds the loop.
      this.messages.log(
        `farewell: the program ended and its exit hooks ran, but ${timeout} ms later the process is still kept alive by: ` +
          `${describeActiveResources(this.facade.activeResources())}`,
      );
      const status = normalizeExitCode(this.facade.getExitCode()) ?? 0;
      this.phase = 'ending';
      this.facade.exit(status === 0 ? FAILURE_STATUS : status);
    }
  }

  /**
   * A second signal or an error while exiting: stop waiting, end now (by
   * `endSignal` when given). Once forced, a further one skips even the
   * final flush.
   */
  force(what: string, endSignal?: NodeJS.Signals): void {
    if (this.phase !== 'hooks' && this.phase !== 'flushing') return;
    if (endSignal !== undefined) this.endSignal = endSignal;
    if (this.forced) return this.end();
    this.forced = true;
    this.report.forced(endSignal === undefined ? 'error' : 'signal', this.facade.now(), endSignal);
    const running = this.steps.cut('forced', new DOMException(`The exit was forced: ${what}`, 'AbortError'));
    // Cutting or skipping a hook is a failed cleanup.
    if (running.length > 0 || this.registry.pending().length > 0) this.cleanupFailed = true;
    this.messages.log(`farewell: ${what} during the exit: ending now; ${describePending(running, this.registry.pending().map((hook) => hook.name))}`);
    void this.finalFlushThenEnd();
  }

  /** The event loop emptied while hooks wait: nothing can ever settle them. */
  stalled(): void {
    const running = this.steps.cut('stalled', new DOMException('The event loop is empty: nothing can settle this hook', 'AbortError'));
    this.cleanupFailed = true;
    this.messages.log(`farewell: exit hook ${running.join(', ')} never settled: the event loop emptied while it waited (a promise nothing resolves?)`);
  }

  /** A cleanup failure a hook handled itself (`reportFailure()`). */
  failure(message: string): void {
    this.cleanupFailed = true;
    this.report.failure(message);
    this.messages.log(message);
  }

  /**
   * A write to stdout or stderr failed. Before the exit, a closed stdout is
   * the Unix signal to stop (`yes | head -1`): exit as by SIGPIPE; another
   * stdout error is fatal. During the exit, what was queued is lost, so the
   * exit must not end with 0 (a closed pipe ends as by SIGPIPE, see end-process.ts).
   */
  private outputFailed({ stream, error, brokenPipe }: OutputFailure): void {
    this.debug(() => `${stream} error ${(error as NodeJS.ErrnoException).code ?? error.message}; no more output on it`);
    if (this.phase === 'idle') {
      if (stream !== 'stdout') return;
      if (brokenPipe) return this.start({ kind: 'broken-pipe' }, signalExitStatus('SIGPIPE'), 'SIGPIPE');
      this.messages.printError(error);
      return this.start({ kind: 'error', error, origin: 'uncaughtException' }, FAILURE_STATUS);
    }
    this.cleanupFailed = true;
    if (brokenPipe) this.lostToBrokenPipe = true;
    else this.messages.log(`farewell: ${stream} failed: ${error.message}; output was lost`);
  }

  // ── 4. The end ────────────────────────────────────────────────────────────

  private async finalFlushThenEnd(): Promise<void> {
    this.phase = 'flushing';
    await flushOutput(this.facade, FINAL_FLUSH_MS);
    if (this.phase === 'flushing') this.end();
  }

  /** Exit with the status, or die by the signal (end-process.ts decides which). */
  end(): void {
    if (this.phase === 'ending' || this.phase === 'ended') return;
    this.output.noticeFailedWrites();
    this.phase = 'ending';
    if (this.deadlineTimer !== undefined) this.facade.clearTimer(this.deadlineTimer);
    this.stopWatchingSelfSignals();
    this.onStateChange();
    const end = decideEnd({
      status: this.status,
      endSignal: this.endSignal,
      startedBySignal: this.trigger?.kind === 'signal',
      cleanupFailed: this.cleanupFailed,
      lostToBrokenPipe: this.lostToBrokenPipe,
      signalExit: this.options.signalExit,
    });
    this.debug(() => `${this.elapsed()} ending ${end.kind === 'signal' ? `by re-raising ${end.signal}` : `with status ${end.status}`}`);
    this.reportEnd(end);
    endProcess(this.facade, end, (error) => this.messages.log(`farewell: an 'exit' listener threw:\n${formatError(error)}`));
  }

  /**
   * The natural end: the event loop emptied, hooks ran. Node ends the process
   * by itself once the loop is empty again, keeping process.exitCode (and its
   * own codes, e.g. 13 for an unsettled top-level await). The deadline stays
   * armed, unref'd, to report whatever still keeps the process alive.
   */
  endNaturally(): void {
    this.output.noticeFailedWrites();
    // Output lost to a closed pipe ends as by SIGPIPE here too.
    if (this.lostToBrokenPipe && (normalizeExitCode(this.facade.getExitCode()) ?? 0) === 0) return this.end();
    this.phase = 'ended';
    this.stopWatchingSelfSignals();
    const status = normalizeExitCode(this.facade.getExitCode()) ?? 0;
    if (this.cleanupFailed && status === 0) this.facade.setExitCode(FAILURE_STATUS);
    this.debug(() => `${this.elapsed()} ending naturally with status ${this.cleanupFailed && status === 0 ? FAILURE_STATUS : status}`);
    this.reportEnd({ kind: 'exit', status: this.cleanupFailed && status === 0 ? FAILURE_STATUS : status });
    this.onStateChange();
  }

  /** Ended without waiting: exitNow(), or a direct process.exit() once its hooks ran. */
  ended(): void {
    this.phase = 'ended';
    if (this.deadlineTimer !== undefined) this.facade.clearTimer(this.deadlineTimer);
    this.stopWatchingSelfSignals();
  }

  // ── Helpers ───────────────────────────────────────────────────────────────

  /** Completes the exit report and hands it over, just before the process ends. */
  reportEnd(end: ProcessEnd): void {
    this.report.ended(end, this.facade.now(), this.cleanupFailed, this.registry.pending().map((hook) => hook.name));
  }

  hookContext(): HookRunContext {
    return {
      trigger: this.trigger!,
      exitCode: this.statusAsShown(),
      facade: this.facade,
      startedAt: this.startedAt,
      deadlineAt: this.deadlineAt(),
      isExitRequest: (error) => isSystemExit(error) || this.isThrownByExit(error),
    };
  }

  /** The status an uncaught error (or SystemExit) asks for, reporting an invalid `exitCode`. */
  statusOfError(error: unknown): number {
    if (!isExitError(error) && !isSystemExit(error) && !(error instanceof Error)) return FAILURE_STATUS;
    const request = resolveExitRequest(error, undefined);
    if (request.problem) this.messages.log(`farewell: ${request.problem.message}; exiting with status 1`);
    return request.status;
  }

  debug(message: () => string): void {
    if (!this.quiet) debugLog(message);
  }

  private deadlineAt(): number {
    return this.startedAt + this.options.timeout;
  }

  private remainingTime(): number {
    return Math.max(0, this.deadlineAt() - this.facade.now());
  }

  private stopWatchingSelfSignals(): void {
    this.unwatchSelfSignals?.();
    this.unwatchSelfSignals = undefined;
  }
}
