import { loadDiagnosticsChannel } from '../builtin-modules.js';
import type { ExitTrigger } from '../exit-trigger.js';
import type { RegisteredHook } from '../hooks/hook-registry.js';
import type { CutReason, HookOutcome } from '../hooks/run-hook.js';
import type { FlushResult } from '../output/flush-output.js';
import type { ProcessEnd } from './end-process.js';

/** One exit hook in the exit report. Times are milliseconds since the exit started. */
export interface HookReport {
  readonly name: string;
  readonly group: string | undefined;
  readonly startMs: number;
  /** How long it ran until it settled or was cut; undefined if the process ended first. */
  readonly durationMs: number | undefined;
  /** `cut`: the sequence stopped waiting for it (`cutBy` says why); `unawaited`: it returned a promise nothing could wait for (a direct `process.exit()`). */
  readonly outcome: 'completed' | 'failed' | 'timed-out' | 'cut' | 'unawaited' | 'running';
  readonly cutBy?: CutReason;
  /** What it threw or rejected with. */
  readonly error?: unknown;
}

/** stdout and stderr at the end of the exit. */
export interface FlushReport {
  readonly stdout: FlushResult;
  readonly stderr: FlushResult;
  readonly durationMs: number;
  /** Bytes written but not yet received by the operating system when the flush ended. */
  readonly undeliveredBytes: { readonly stdout: number; readonly stderr: number };
}

/**
 * The whole exit, as data: what started it, each hook with its timing and
 * outcome, the flush, what forced it, and how the process ends. Given to
 * `onExitReport()` listeners and published on the `farewell:exit:end`
 * diagnostics channel just before the process ends.
 */
export interface ExitReport {
  readonly trigger: ExitTrigger;
  /** How the process ends: with a status, or by a signal (`status` is then 128 + n). At the natural end Node ends it with this status (or one of its own, e.g. 13). */
  readonly end: ProcessEnd;
  /** When the exit started, in milliseconds since the epoch. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** The global deadline in force. */
  readonly deadlineMs: number;
  /** In the order they started. */
  readonly hooks: readonly HookReport[];
  /** Registered hooks that never started (cut by the deadline or a forced end). */
  readonly notStarted: readonly string[];
  readonly flush: FlushReport | undefined;
  /** Why the exit stopped waiting: the deadline, a second signal, an error, or a direct process.exit(). */
  readonly forcedBy: { readonly reason: 'deadline' | 'signal' | 'error' | 'process-exit'; readonly signal?: NodeJS.Signals; readonly atMs: number } | undefined;
  /** What kept the event loop alive when the deadline passed (`process.getActiveResourcesInfo()`); undefined where the runtime cannot tell (Bun). */
  readonly activeResourcesAtDeadline: readonly string[] | undefined;
  /** A hook failed, timed out or was cut, output was lost, or `reportFailure()` was called: a status of 0 became 1. */
  readonly cleanupFailed: boolean;
  /** The messages given to `reportFailure()`. */
  readonly failures: readonly string[];
  /** What other parts added with `addToExitReport()`: farewell/http's drain reports, farewell/process's terminations… */
  readonly details: readonly { readonly source: string; readonly data: unknown }[];
}

/** The diagnostics channels (node:diagnostics_channel), for tracing tools: one message per step. */
export const CHANNELS = {
  /** `{ trigger, status, startedAt }` */
  start: 'farewell:exit:start',
  /** `{ name, group, startMs }` */
  hookStart: 'farewell:hook:start',
  /** A HookReport. */
  hookEnd: 'farewell:hook:end',
  /** A FlushReport. */
  flush: 'farewell:exit:flush',
  /** The ExitReport. */
  end: 'farewell:exit:end',
} as const;

type Channel = { readonly hasSubscribers: boolean; publish(message: unknown): void };
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Builds the exit report as the exit happens, and publishes each step on the
 * diagnostics channels. Costs nothing when nobody listens: no listener, no
 * channel subscriber and no FAREWELL_REPORT at the start of the exit means
 * nothing is recorded (a channel subscribed later still gets its messages).
 */
export class ExitReportBuilder {
  private readonly listeners = new Set<(report: ExitReport) => void>();
  private readonly channels = new Map<string, Channel>();
  private report: Mutable<ExitReport> | undefined;
  private readonly hooks = new Map<RegisteredHook, Mutable<HookReport>>();
  private readonly pendingDetails: { source: string; data: unknown }[] = [];
  /** The start of the exit on the facade's clock, and in ms since the epoch. */
  private startedAt = 0;
  private epochStart = 0;

  constructor(
    /** Told when a listener throws. */
    private readonly onListenerError: (error: unknown) => void,
    /** Publishes nothing: the internal dry run's exit (prime-exit-path.ts) must not reach tracing tools. */
    private readonly quiet: boolean,
  ) {}

  /**
   * Loads node:diagnostics_channel and creates the channels: at first use,
   * not on the exit path (about 0.4 ms). Reading hasSubscribers once compiles
   * that getter now too.
   */
  prepare(): void {
    for (const name of Object.values(CHANNELS)) void this.channel(name)?.hasSubscribers;
  }

  onReport(listener: (report: ExitReport) => void): () => void {
    const registered = (report: ExitReport): void => listener(report);
    this.listeners.add(registered);
    return () => void this.listeners.delete(registered);
  }

  /** Kept only if someone will read the report: nothing piles up in a program nobody observes. */
  addDetail(source: string, data: unknown): void {
    if (this.report !== undefined) (this.report.details as { source: string; data: unknown }[]).push({ source, data });
    else if (this.listeners.size > 0 || this.subscribed(CHANNELS.end)) this.pendingDetails.push({ source, data });
  }

  started(trigger: ExitTrigger, status: number, startedAt: number, deadlineMs: number): void {
    this.startedAt = startedAt;
    this.epochStart = Date.now();
    if (this.listeners.size > 0 || this.subscribed(CHANNELS.end)) {
      this.report = {
        trigger, end: { kind: 'exit', status }, startedAt: this.epochStart, durationMs: 0, deadlineMs, hooks: [], notStarted: [],
        flush: undefined, forcedBy: undefined, activeResourcesAtDeadline: undefined, cleanupFailed: false, failures: [],
        details: this.pendingDetails.splice(0),
      };
    }
    this.publish(CHANNELS.start, () => ({ trigger, status, startedAt: this.epochStart }));
  }

  hookStarted(hook: RegisteredHook, at: number): void {
    const entry: Mutable<HookReport> = { name: hook.name, group: hook.group, startMs: at - this.startedAt, durationMs: undefined, outcome: 'running' };
    if (this.report !== undefined) {
      this.hooks.set(hook, entry);
      (this.report.hooks as HookReport[]).push(entry);
    }
    this.publish(CHANNELS.hookStart, () => ({ name: entry.name, group: entry.group, startMs: entry.startMs }));
  }

  hookSettled(hook: RegisteredHook, outcome: HookOutcome | { kind: 'unawaited' }, at: number): void {
    const entry = this.hooks.get(hook) ?? { name: hook.name, group: hook.group, startMs: at - this.startedAt, durationMs: undefined, outcome: 'running' };
    entry.durationMs = at - this.startedAt - entry.startMs;
    entry.outcome = outcome.kind;
    if (outcome.kind === 'cut') entry.cutBy = outcome.reason;
    if (outcome.kind === 'failed') entry.error = outcome.error;
    this.publish(CHANNELS.hookEnd, () => ({ ...entry }));
  }

  forced(reason: 'deadline' | 'signal' | 'error' | 'process-exit', at: number, signal?: NodeJS.Signals, activeResources?: readonly string[]): void {
    if (this.report === undefined || this.report.forcedBy !== undefined) return;
    this.report.forcedBy = signal === undefined ? { reason, atMs: at - this.startedAt } : { reason, signal, atMs: at - this.startedAt };
    if (activeResources !== undefined) this.report.activeResourcesAtDeadline = activeResources;
  }

  failure(message: string): void {
    (this.report?.failures as string[] | undefined)?.push(message);
  }

  flushed(flush: FlushReport): void {
    if (this.report !== undefined) this.report.flush = flush;
    this.publish(CHANNELS.flush, () => flush);
  }

  /** The end: completes the report, gives it to the listeners and the channel. */
  ended(end: ProcessEnd, at: number, cleanupFailed: boolean, notStarted: readonly string[]): void {
    const report = this.report;
    if (report === undefined) return;
    this.report = undefined;
    Object.assign(report, { end, durationMs: at - this.startedAt, cleanupFailed, notStarted });
    this.publish(CHANNELS.end, () => report);
    for (const listener of this.listeners) {
      try {
        listener(report);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  private publish(name: string, message: () => unknown): void {
    if (this.quiet) return;
    const channel = this.channel(name);
    if (channel?.hasSubscribers === true) channel.publish(message());
  }

  private subscribed(name: string): boolean {
    return !this.quiet && this.channel(name)?.hasSubscribers === true;
  }

  private channel(name: string): Channel | undefined {
    let channel = this.channels.get(name);
    if (channel === undefined) {
      const diagnostics = loadDiagnosticsChannel();
      if (diagnostics === undefined) return undefined;
      channel = diagnostics.channel(name) as Channel;
      this.channels.set(name, channel);
    }
    return channel;
  }
}
