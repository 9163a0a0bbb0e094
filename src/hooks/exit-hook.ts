import type { ExitTrigger } from '../exit-trigger.js';

/** What a hook receives. */
export interface ExitContext {
  /** What started the exit. */
  readonly trigger: ExitTrigger;
  /**
   * The exit status as it stands when the hook starts, as a shell would show
   * it: 0, the status given to `exit()`, 1 after an uncaught error, 128 + n
   * after signal n (even when the process will die by the signal itself).
   */
  readonly exitCode: number;
  /** Aborts when this hook's time is up: its own `timeout`, the global deadline, or a forced exit. */
  readonly signal: AbortSignal;
  /** Milliseconds left before `signal` aborts for time (its own timeout or the global deadline); never negative. */
  timeLeft(): number;
  /** Milliseconds since the exit started (so a wait meant once per exit is not repeated by each hook). */
  elapsed(): number;
}

/** A cleanup function; it may return a promise, which is awaited. */
export type ExitHook = (context: ExitContext) => unknown;

/** Options of `onExit()`. */
export interface OnExitOptions {
  /** Used in every message about the hook. Default: the function's name, else `hook #<n>`. */
  name?: string;
  /**
   * Milliseconds this hook may take. Default: no limit of its own, only what is
   * left of the global deadline. When it runs out, the hook's `signal` aborts,
   * the hook is reported as timed out and the next hooks run.
   */
  timeout?: number;
  /**
   * Hooks with the same group name run concurrently, as one step of the LIFO
   * order, at the position of the group's most recently registered member.
   * Use it for independent resources (several servers, several pools), so the
   * exit takes as long as the slowest of them instead of the sum.
   */
  group?: string;
}
