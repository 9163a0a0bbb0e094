import { drainConnections } from './connection-drain.js';
import { ConnectionTracker } from './connection-tracker.js';
import { DEFAULT_CLOSE_TIMEOUT_MS, exitDrainBudget, validateDrainOptions } from './drain-options.js';
import type { CloseOptions, ResolvedDrainOptions } from './drain-options.js';
import { DrainTimeoutError } from './drain-report.js';
import type { DrainReport } from './drain-report.js';
import { defaultExitDelay, remainingExitDelay, waitForDelay } from './exit-delay.js';
import type { Server as NetServer } from 'node:net';
import { resolveServerTarget, underlyingServer } from './server-target.js';
import { tellSupervisorDrained } from './supervisor-channel.js';
import { addToExitReport, debugLog, onExit, reportFailure } from '../index.js';
import type { ExitContext } from '../index.js';

/**
 * Where a tracked server is:
 * - `serving`: tracking connections, nothing else;
 * - `delaying`: the exit (or `close({ delay })`) started; still accepting and serving normally;
 * - `draining`: no longer accepting; open connections are being closed;
 * - `closed`: every connection is closed (or was destroyed at the timeout).
 */
export type ServerDrainState = 'serving' | 'delaying' | 'draining' | 'closed';

/** A tracked server: what `drainOnExit()` and `trackServer()` return. */
export interface ServerDrain {
  /** The server as messages and reports name it, e.g. `http://127.0.0.1:3000`. */
  readonly server: string;
  readonly state: ServerDrainState;
  /**
   * Drains the server now (after `options.delay`) and resolves with the report
   * when its last connection has closed; rejects with a `DrainTimeoutError`
   * (which carries the report) when the timeout had to destroy connections.
   * For a Fastify instance, `fastify.close()` runs afterwards (its `onClose`
   * hooks), and its failure rejects. Idempotent: later calls, and the exit
   * hook, get the first call's promise. Throws a TypeError/RangeError for a
   * bad option. Options: `delay` 0, `timeout` 10000, `idleGrace` 100, `idleKeepAlive` `'wait'`,
   * `webSockets`, `closeUpgraded`.
   */
  close(options?: CloseOptions): Promise<DrainReport>;
  /** Stops tracking and unregisters the exit hook, if any. No effect on a drain already under way. */
  stopTracking(): void;
}

/**
 * On a drained server that starts listening: close it before the event loop
 * can accept a connection, but after the other `'listening'` listeners (they
 * may read `address()`, as Fastify's does). A `'listening'` listener; `this`
 * is the server.
 */
function closeAgain(this: NetServer): void {
  debugLog(() => `a drained server started listening (a listen() that was still pending): closing it`);
  process.nextTick(() => this.close());
}

/** Every drain hook joins this group, so several servers drain concurrently, as one step of the exit. */
export const HTTP_DRAIN_GROUP = 'farewell/http';

// One tracked server per Node.js server, shared by every copy of the package.
const REGISTRY_KEY = Symbol.for('farewell.http.trackedServers@1');

function registry(): WeakMap<object, TrackedServer> {
  const global = globalThis as Record<symbol, WeakMap<object, TrackedServer> | undefined>;
  return (global[REGISTRY_KEY] ??= new WeakMap());
}

/** The tracked server for `value`, created (tracking starts now) when there is none yet. */
export function trackedServerFor(value: unknown, parameter: string, lateStart: boolean): TrackedServer {
  const existing = registry().get(underlyingServer(value) ?? {});
  if (existing !== undefined) return existing;
  const target = resolveServerTarget(value, parameter);
  const tracked = new TrackedServer(new ConnectionTracker(target), lateStart);
  registry().set(target.server, tracked);
  return tracked;
}

export class TrackedServer implements ServerDrain {
  state: ServerDrainState = 'serving';
  private closing: Promise<DrainReport> | undefined;
  private unregisterExitHook: (() => void) | undefined;

  constructor(
    private readonly tracker: ConnectionTracker,
    /** Tracking started at close(): earlier connections are unknown until they send a request. */
    private readonly lateStart: boolean,
  ) {}

  get server(): string {
    return this.tracker.serverName;
  }

  get hasExitHook(): boolean {
    return this.unregisterExitHook !== undefined;
  }

  close(options: CloseOptions = {}): Promise<DrainReport> {
    const resolved = validateDrainOptions(options, 'options', false);
    if (this.closing !== undefined) return this.closing;
    const timeout = resolved.timeout ?? DEFAULT_CLOSE_TIMEOUT_MS;
    this.closing = this.drain(resolved.delay ?? 0, () => timeout, resolved, undefined);
    // Drained by hand, the server needs no exit hook any more.
    const unregister = (): void => this.unregisterExitHook?.();
    this.closing.then(unregister, unregister);
    return this.closing;
  }

  stopTracking(): void {
    this.unregisterExitHook?.();
    this.unregisterExitHook = undefined;
    if (this.state !== 'serving') return;
    this.tracker.stop();
    registry().delete(this.tracker.target.server);
  }

  /** Registers the exit hook of `drainOnExit()`. */
  registerExitHook(options: ResolvedDrainOptions): void {
    const delay = options.delay ?? defaultExitDelay();
    const unregister = onExit((context) => this.closeForExit(context, options, delay), {
      name: options.name ?? 'http server',
      group: HTTP_DRAIN_GROUP,
    });
    this.unregisterExitHook = () => {
      this.unregisterExitHook = undefined;
      unregister();
    };
  }

  private closeForExit(context: ExitContext, options: ResolvedDrainOptions, delay: number): Promise<unknown> {
    // Already drained (or draining) by hand: whoever called close() has the outcome.
    if (this.closing !== undefined) return this.closing.catch(() => {});
    const delayMs = context.trigger.kind === 'signal' ? remainingExitDelay(delay, context.elapsed()) : 0;
    const timeout = (): number => Math.min(options.timeout ?? Infinity, exitDrainBudget(context.timeLeft()));
    this.closing = this.drain(delayMs, timeout, options, context.signal);
    // Each server's drain report goes into the exit report. A drain cut at its
    // timeout is also a cleanup failure, reported in one line naming the
    // requests cut (status 0 becomes 1, a signal death stays one).
    return this.closing.then(
      (report) => addToExitReport('farewell/http', report),
      (error: unknown) => {
        if (!(error instanceof DrainTimeoutError)) throw error;
        addToExitReport('farewell/http', error.report);
        reportFailure(`farewell: ${error.message}`);
      },
    );
  }

  /** Steps 2–7: the delay, then the drain; the timeout is computed when the delay is over. */
  private async drain(delayMs: number, timeout: () => number, options: ResolvedDrainOptions, signal: AbortSignal | undefined): Promise<DrainReport> {
    if (delayMs > 0) {
      this.state = 'delaying';
      debugLog(() => `${this.server}: serving for ${Math.round(delayMs)} ms more before draining`);
      await waitForDelay(delayMs, signal);
    }
    this.state = 'draining';
    let report: DrainReport;
    try {
      report = await drainConnections(this.tracker, {
        timeout: timeout(),
        idleGrace: options.idleGrace,
        idleKeepAlive: options.idleKeepAlive,
        webSockets: options.webSockets,
        closeUpgraded: options.closeUpgraded,
        signal,
        delayMs,
        lateStart: this.lateStart,
      });
    } finally {
      this.state = 'closed';
      this.tracker.stop();
      // A drained server stays closed, whatever the timing (issue 9, defect 12): a listen() still
      // pending when the drain ran (Fastify's own, waiting for its plugins) binds afterwards.
      this.tracker.target.server.on('listening', closeAgain);
    }
    tellSupervisorDrained(report);
    // Fastify's own close() runs its onClose hooks; its server is already closed and empty by now.
    const { fastify } = this.tracker.target;
    if (fastify !== undefined) await fastify.close();
    if (report.outcome !== 'drained') throw new DrainTimeoutError(report);
    return report;
  }
}
