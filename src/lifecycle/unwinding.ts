import type { ProcessFacade } from '../process-facade.js';

/**
 * exit() throws a SystemExit so that the caller's stack unwinds: its finally
 * blocks and `using` disposals run before the hooks, as `with` blocks run
 * before atexit in Python. The hooks start when it reaches the top uncaught;
 * if it was caught, after this long (at most a tenth of the deadline): an
 * `await using` disposal still running then runs beside the hooks.
 */
const UNWIND_GRACE_MS = 250;

/** Waits for the SystemExit thrown by exit() to unwind before the hooks start. */
export class Unwinding {
  private resume: (() => void) | undefined;

  constructor(private readonly facade: ProcessFacade) {}

  /** Calls `then` once `done()` is called, or after the grace. */
  wait(deadlineMs: number, then: () => void): void {
    const timer = this.facade.setTimer(() => this.done(), Math.min(UNWIND_GRACE_MS, deadlineMs / 10), { ref: true });
    this.resume = () => {
      this.facade.clearTimer(timer);
      then();
    };
  }

  /** The SystemExit reached the top of the stack, or the loop emptied: nothing is left to unwind. */
  done(): void {
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }
}
