import { debugLog } from '../debug-log.js';
import { ExitStartedError, isSystemExit } from '../errors.js';
import { describeTrigger } from '../exit-trigger.js';
import type { ExitTrigger } from '../exit-trigger.js';
import { HookRegistry } from '../hooks/hook-registry.js';
import { HookSteps } from '../hooks/hook-steps.js';
import type { HookOutcome, HookRunContext, RunningHook } from '../hooks/run-hook.js';
import { deadlineMessage, ExitMessages, forcedMessage, keptAliveMessage, settledHookMessage } from '../output/exit-messages.js';
import { FINAL_FLUSH_MS, flushOutput, undeliveredBytes } from '../output/flush-output.js';
import { formatDuration } from '../output/format-duration.js';
import { formatError } from '../output/format-error.js';
import { OutputWatch } from '../output/watch-output.js';
import type { OutputFailure } from '../output/watch-output.js';
import type { ProcessFacade } from '../process-facade.js';
import { orFailure } from '../exit-status.js';
import { Deadline } from './deadline.js';
import { decideEnd, endProcess, exitAfterLateFailure, recordedStatus } from './end-process.js';
import type { ProcessEnd } from './end-process.js';
import type { ResolvedExitOptions } from './exit-options.js';
import { ExitReportBuilder } from './exit-report.js';
import { ExitState } from './exit-state.js';
import { RepeatedSignals } from './repeated-signals.js';
import { Unwinding } from './unwinding.js';

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
  private lastLoopTurnAt = 0;
  private readonly deadline: Deadline;
  /** Holds the hooks back until the SystemExit thrown by exit() has unwound. */
  readonly unwinding: Unwinding;
  readonly registry = new HookRegistry();
  readonly steps: HookSteps;
  readonly messages: ExitMessages;
  readonly output: OutputWatch;
  readonly repeatedSignals = new RepeatedSignals();
  readonly report: ExitReportBuilder;
  /** Called when the phase changes what must listen to the process (process-listeners.ts, wired by exit-manager.ts). */
  onStateChange: () => void = () => {};
  /** Called when a write to stdout or stderr fails (what it means: process-listeners.ts). */
  onOutputFailed: (failure: OutputFailure) => void = () => {};

  constructor(
    readonly facade: ProcessFacade,
    public options: ResolvedExitOptions,
    /** No debug log (the internal dry run of prime-exit-path.ts). */
    private readonly quiet: boolean,
    /** Aborted when the exit begins: `shutdownSignal`, which exists before the sequence does. */
    private readonly controller: AbortController,
  ) {
    super(() => facade.now());
    this.deadline = new Deadline(facade);
    this.unwinding = new Unwinding(facade);
    this.messages = new ExitMessages(facade, () => this.options.logger, () => this.output.isBroken(facade.stderr));
    this.output = new OutputWatch(facade, (failure) => this.onOutputFailed(failure));
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

  start(trigger: ExitTrigger, status: number, endSignal?: NodeJS.Signals, { afterUnwinding = false } = {}): void {
    this.began(trigger, status);
    this.phase = 'hooks';
    this.endSignal = endSignal;
    this.lastLoopTurnAt = this.startedAt;
    this.repeatedSignals.started(this.facade, this.startedAt, trigger.kind === 'signal');
    // Armed before any user code runs: a hook may block the event loop
    // (mcollina/close-with-grace does the same).
    this.deadline.arm(this.startedAt, this.options.timeout, () => this.deadlineReached());
    this.onStateChange();
    this.debug(() => `exit started by ${describeTrigger(trigger)}, status ${this.statusAsShown()}, deadline ${this.options.timeout} ms`);
    if (trigger.kind === 'signal' && trigger.signal === 'SIGINT' && this.facade.stderr.isTTY === true) {
      this.messages.log('farewell: exiting gracefully (press Ctrl+C again to force)');
    }
    // Hooks start once the code that triggered the exit has unwound: its
    // finally blocks (and `using` disposals) run first, as in Python.
    if (afterUnwinding) this.unwinding.wait(this.options.timeout, () => void this.runHooks());
    else queueMicrotask(() => void this.runHooks());
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
      if (this.deadline.passed()) return this.deadlineReached();
      if (this.facade.now() - this.lastLoopTurnAt >= LOOP_TURN_INTERVAL_MS) {
        await new Promise<void>((resolve) => this.facade.nextLoopTurn(resolve));
        this.lastLoopTurnAt = this.facade.now();
      }
    }
    if (this.phase !== 'hooks') return; // the deadline or a forced end took over
    if (this.trigger?.kind === 'natural') return this.endNaturally();
    await this.flushThenEnd();
  }

  private async flushThenEnd(): Promise<void> {
    this.phase = 'flushing';
    this.debug(() => `${this.elapsed()} flushing stdout and stderr`);
    const flushStartedAt = this.facade.now();
    const result = await flushOutput(this.facade, this.deadline.remaining());
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
    if (outcome.kind !== 'failed' && outcome.kind !== 'timed-out') return; // a cut hook: whoever cut it reports
    this.cleanupFailed = true;
    this.messages.log(settledHookMessage(name, outcome, took()));
  }

  // ── What cuts the hooks short ─────────────────────────────────────────────

  /** The global deadline passed: cut what runs, skip what waits, end (0 becomes 1). */
  deadlineReached(): void {
    this.deadline.disarm();
    const { timeout } = this.options;
    if (this.phase === 'hooks') {
      const activeResources = this.facade.activeResources();
      this.report.forced('deadline', this.facade.now(), undefined, activeResources);
      const running = this.steps.cut('deadline', new DOMException(`The exit deadline of ${timeout} ms was reached`, 'TimeoutError'));
      this.cleanupFailed = true;
      this.forced = true;
      this.messages.log(deadlineMessage(timeout, running, this.pendingNames(), activeResources));
      void this.finalFlushThenEnd();
    } else if (this.phase === 'flushing' && !this.forced) {
      this.cleanupFailed = true;
      this.messages.log(`farewell: output was not fully delivered within the ${timeout} ms deadline (${this.output.describeUndelivered()})`);
      this.end();
    } else if (this.phase === 'ended' && this.trigger?.kind === 'natural') {
      this.messages.log(keptAliveMessage(timeout, this.facade.activeResources()));
      this.phase = 'ending';
      exitAfterLateFailure(this.facade);
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
    this.messages.log(forcedMessage(what, running, this.pendingNames()));
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
    this.deadline.disarm();
    this.repeatedSignals.stopWatching();
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
    const recorded = recordedStatus(this.facade);
    if (this.lostToBrokenPipe && recorded === 0) return this.end();
    this.phase = 'ended';
    this.repeatedSignals.stopWatching();
    const status = orFailure(recorded, this.cleanupFailed);
    if (status !== recorded) this.facade.setExitCode(status);
    this.debug(() => `${this.elapsed()} ending naturally with status ${status}`);
    this.reportEnd({ kind: 'exit', status });
    this.onStateChange();
  }

  /** Ended without waiting: exitNow(), or a direct process.exit() once its hooks ran. */
  ended(): void {
    this.phase = 'ended';
    this.deadline.disarm();
    this.repeatedSignals.stopWatching();
  }

  // ── Helpers ───────────────────────────────────────────────────────────────

  /** Completes the exit report and hands it over, just before the process ends. */
  reportEnd(end: ProcessEnd): void {
    this.report.ended(end, this.facade.now(), this.cleanupFailed, this.pendingNames());
  }

  private pendingNames(): string[] {
    return this.registry.pending().map((hook) => hook.name);
  }

  hookContext(): HookRunContext {
    return {
      trigger: this.trigger!,
      exitCode: this.statusAsShown(),
      facade: this.facade,
      startedAt: this.startedAt,
      deadlineAt: this.startedAt + this.options.timeout,
      isExitRequest: (error) => isSystemExit(error) || this.isThrownByExit(error),
    };
  }

  debug(message: () => string): void {
    if (!this.quiet) debugLog(message);
  }
}
