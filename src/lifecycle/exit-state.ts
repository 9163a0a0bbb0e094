import type { ExitTrigger } from '../exit-trigger.js';
import { signalExitStatus } from '../signals.js';

/**
 * Where the exit sequence is. One way: a manager exits once.
 * - `idle`: not exiting.
 * - `hooks`: running exit hooks.
 * - `flushing`: waiting for stdout/stderr to hand everything to the OS.
 * - `ending`: calling process.exit or re-raising the signal.
 * - `ended`: nothing left to do (natural end, direct process.exit(), exitNow()).
 */
export type ExitPhase = 'idle' | 'hooks' | 'flushing' | 'ending' | 'ended';

/**
 * What is known about the exit at any moment, in one place to read: the
 * phase, what started it, the status it asks for, the signal it will end by,
 * and whether something failed on the way. The transitions are ExitSequence's.
 */
export class ExitState {
  phase: ExitPhase = 'idle';
  trigger: ExitTrigger | undefined;
  /** The status the trigger asked for (128 + n after signal n). */
  status = 0;
  /** Set when the process is to end by a signal (the trigger's, or a second one). */
  endSignal: NodeJS.Signals | undefined;
  /** A hook failed, timed out or was cut, a write was lost, or reportFailure() was called: 0 becomes 1. */
  cleanupFailed = false;
  /** stdout or stderr broke (EPIPE) during the exit: what was still queued is lost. */
  lostToBrokenPipe = false;
  /** The deadline passed or a second signal or an error forced the end. */
  forced = false;
  /** When the exit started, on the facade's clock. */
  startedAt = 0;
  /** Errors thrown by exit() itself: when they surface as uncaught, the exit is already under way. */
  private readonly thrownByExit = new WeakSet<object>();

  constructor(private readonly clock: () => number) {}

  /** The status as hooks and callers see it: 128 + n when ending by signal n. */
  statusAsShown(): number {
    return this.endSignal !== undefined ? signalExitStatus(this.endSignal) : this.status;
  }

  /** "+12.3ms" since the exit started, for the debug log. */
  elapsed(): string {
    return `+${(this.clock() - this.startedAt).toFixed(1)}ms`;
  }

  markThrown<T extends Error>(error: T): T {
    this.thrownByExit.add(error);
    return error;
  }

  isThrownByExit(error: unknown): boolean {
    return typeof error === 'object' && error !== null && this.thrownByExit.has(error);
  }
}
