import type { ProcessFacade } from '../process-facade.js';
import { reraiseSignal, signalExitStatus } from '../signals.js';
import { normalizeExitCode, orFailure } from '../exit-status.js';
import type { SignalExit } from './exit-options.js';

/**
 * How long a re-raised signal may take to end the process when another
 * listener for it exists (it may absorb the signal: godaddy/terminus#181)
 * before the process exits with 128 + n instead.
 */
const RERAISE_GRACE_MS = 250;

/** What the exit sequence knows when it ends. */
export interface ExitFacts {
  /** The status the trigger asked for (0, exit(n)'s n, 1 after an error…). */
  readonly status: number;
  /** The signal the process is to end by: the one that started or forced the exit. */
  readonly endSignal: NodeJS.Signals | undefined;
  readonly startedBySignal: boolean;
  readonly cleanupFailed: boolean;
  /** stdout or stderr broke (EPIPE) during the exit: what was queued is lost. */
  readonly lostToBrokenPipe: boolean;
  readonly signalExit: SignalExit;
}

/** How the process ends: with a status, or by a signal (`status` is then 128 + n, as a shell shows it). */
export type ProcessEnd =
  | { readonly kind: 'exit'; readonly status: number }
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals; readonly status: number };

/**
 * The documented end (docs/signals.md, docs/exit-hooks.md):
 * - an exit a signal started or forced ends by that signal, or per
 *   `signalExit` with 128 + n or the chosen status;
 * - output lost to a closed pipe ends as the closed pipe would have, by
 *   SIGPIPE (141 in a shell), unless the status already says failure;
 * - a chosen status replaces 128 + n only for an exit a signal started, and
 *   never hides a failure: a failed cleanup turns 0 into 1, everywhere.
 */
export function decideEnd(facts: ExitFacts): ProcessEnd {
  const failed = (status: number): number => orFailure(status, facts.cleanupFailed);
  const signal = facts.endSignal ?? (facts.lostToBrokenPipe && facts.status === 0 ? 'SIGPIPE' : undefined);
  if (signal === undefined) return { kind: 'exit', status: failed(facts.status) };
  const mode = facts.signalExit;
  if (mode === 'signal') return { kind: 'signal', signal, status: signalExitStatus(signal) };
  if (mode === 'code') return { kind: 'exit', status: signalExitStatus(signal) };
  return { kind: 'exit', status: failed(facts.startedBySignal ? mode : facts.status) };
}

/** The status the program recorded in `process.exitCode`, else the one `process.exit(code)` was called with, else 0. */
export function recordedStatus(facade: ProcessFacade, code?: number): number {
  return normalizeExitCode(facade.getExitCode()) ?? normalizeExitCode(code) ?? 0;
}

/**
 * Something failed after the hooks had run (a natural end, a direct
 * process.exit()): exit now with the recorded status, 0 becoming 1.
 */
export function exitAfterLateFailure(facade: ProcessFacade): void {
  facade.exit(orFailure(recordedStatus(facade), true));
}

/**
 * Ends the process as decided. Before dying by a signal, the 'exit'
 * listeners of other code run, as they would on process.exit(): dying by a
 * signal runs none, and some code relies on them (pino's transports flush
 * there: 0 of 5001 lines were kept without, reload-and-supervisors §E).
 * The signal listeners of the library must be removed already.
 */
export function endProcess(facade: ProcessFacade, end: ProcessEnd, onListenerError: (error: unknown) => void): void {
  if (end.kind === 'exit') return facade.exit(end.status);
  // If the signal is absorbed and the loop then empties, the status is still right.
  facade.setExitCode(end.status);
  if (facade.platform === 'win32') return facade.exit(end.status); // no real signals (node-platform-facts §10)
  facade.restoreTerminal();
  try {
    facade.runExitListeners(end.status);
  } catch (error) {
    onListenerError(error);
  }
  if (!reraiseSignal(facade, end.signal)) return facade.exit(end.status);
  facade.setTimer(() => facade.exit(end.status), RERAISE_GRACE_MS, { ref: true });
}
