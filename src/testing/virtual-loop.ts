/**
 * A simulated event loop with a virtual clock, for `createTestProcess({
 * virtualTime: true })`: an exit whose deadline is 10 s runs in microseconds,
 * and the same schedule always gives the same result.
 *
 * It keeps the rules of Node's loop that the exit sequence depends on:
 * - tasks (timers, loop turns, delivered signals) run one at a time, in
 *   order of due time, then of scheduling; the promise jobs a task queues
 *   all run before the next task;
 * - the loop is alive while a ref'd task is pending; when none is, it emits
 *   `'beforeExit'` once, and if that schedules nothing, the process ends
 *   naturally: unref'd tasks never run (node-platform-facts §3, §5);
 * - `block(ms)` moves the clock without running anything, as a synchronous
 *   busy loop does: timers and signals wait for it.
 */
export class VirtualLoop {
  /** Virtual milliseconds since the loop was created. */
  now = 0;
  private tasks: Task[] = [];
  private nextSequence = 0;
  private stopped = false;
  private draining = false;
  /** 'beforeExit' was emitted since the last ref'd task ran. */
  private beforeExitEmitted = false;

  constructor(
    /** Emits `'beforeExit'` on the process. */
    private readonly emitBeforeExit: () => void,
    /** Ends the process naturally: nothing is left to run. */
    private readonly endNaturally: () => void,
  ) {
    this.scheduleDrain();
  }

  /** Queues `callback` to run `delay` virtual ms from now. */
  schedule(callback: () => void, delay: number, ref: boolean): Task {
    const task: Task = { due: this.now + Math.max(0, delay), sequence: this.nextSequence++, callback, ref, cancelled: false };
    this.tasks.push(task);
    this.scheduleDrain();
    return task;
  }

  cancel(task: Task): void {
    task.cancelled = true;
    // Cancelling the last ref'd task may leave the loop empty.
    this.scheduleDrain();
  }

  /** A synchronous busy loop of `ms`: the clock moves, nothing runs. */
  block(ms: number): void {
    this.now += ms;
  }

  /** Stops the loop for good (the process ended). */
  stop(): void {
    this.stopped = true;
    this.tasks = [];
  }

  /** Type names of what keeps the loop alive, as `process.getActiveResourcesInfo()` gives them. */
  activeResources(): string[] {
    return this.tasks.filter((task) => task.ref && !task.cancelled).map(() => 'Timeout');
  }

  /**
   * Runs the next task once the current promise jobs have settled: a real
   * `setImmediate` runs only after them.
   */
  private scheduleDrain(): void {
    if (this.draining || this.stopped) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      this.runNext();
    });
  }

  private runNext(): void {
    if (this.stopped) return;
    this.tasks = this.tasks.filter((task) => !task.cancelled);
    if (!this.tasks.some((task) => task.ref)) {
      if (this.beforeExitEmitted) {
        this.stop();
        this.endNaturally();
        return;
      }
      this.beforeExitEmitted = true;
      this.emitBeforeExit();
      this.scheduleDrain();
      return;
    }
    let next = this.tasks[0]!;
    for (const task of this.tasks) {
      if (task.due < next.due || (task.due === next.due && task.sequence < next.sequence)) next = task;
    }
    // Only handles with no due time (keepAlive) are left: the process
    // waits for something from outside; schedule() wakes the loop.
    if (next.due === Infinity) return;
    this.tasks.splice(this.tasks.indexOf(next), 1);
    this.now = Math.max(this.now, next.due);
    if (next.ref) this.beforeExitEmitted = false;
    next.callback();
    this.scheduleDrain();
  }
}

/** A pending callback of the virtual loop. */
export interface Task {
  readonly due: number;
  readonly sequence: number;
  readonly callback: () => void;
  readonly ref: boolean;
  cancelled: boolean;
}
