import type { ProcessFacade } from '../process-facade.js';

/**
 * The exit's one global deadline. Its timer is unref'd: it must never be what
 * keeps the process alive. A hook that blocks the event loop also holds the
 * timer back, so the sequence reads the clock too (`passed()`).
 */
export class Deadline {
  private timer: unknown;
  private at = Infinity;

  constructor(private readonly facade: ProcessFacade) {}

  /** Arms the deadline `timeoutMs` after `startedAt`; `onReached` runs when the timer fires. */
  arm(startedAt: number, timeoutMs: number, onReached: () => void): void {
    this.at = startedAt + timeoutMs;
    this.timer = this.facade.setTimer(
      () => {
        this.timer = undefined;
        onReached();
      },
      timeoutMs,
      { ref: false },
    );
  }

  passed(): boolean {
    return this.facade.now() >= this.at;
  }

  remaining(): number {
    return Math.max(0, this.at - this.facade.now());
  }

  disarm(): void {
    if (this.timer !== undefined) this.facade.clearTimer(this.timer);
    this.timer = undefined;
  }
}
