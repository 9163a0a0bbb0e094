import type { ProcessFacade } from '../process-facade.js';
import { formatDuration } from '../output/format-duration.js';
import type { RegisteredHook } from './hook-registry.js';
import { startHook } from './run-hook.js';
import type { CutReason, HookOutcome, HookRunContext, RunningHook } from './run-hook.js';

/**
 * Runs the exit's hooks one step at a time and knows which are running, so
 * that the deadline, a forced end or a direct `process.exit()` can cut them.
 * Every started hook's outcome is told once to `onSettled`, cut ones too.
 */
export class HookSteps {
  private readonly running = new Set<RunningHook>();
  /** Hooks of the current step not started yet: a hook's process.exit() must not lose its siblings. */
  private notStarted: RegisteredHook[] = [];
  /** A loop turn is queued (below): one serves every step started before it comes. */
  private loopTurnQueued = false;

  constructor(
    private readonly facade: ProcessFacade,
    private readonly onStarting: (hook: RegisteredHook) => void,
    private readonly onSettled: (running: RunningHook, outcome: HookOutcome) => void,
  ) {}

  /**
   * Starts the hooks of `step` (newest first; they run concurrently) and
   * resolves when all have settled or were cut. Stops starting them when
   * `stillRunning()` turns false: a hook of the step ended the process
   * (exitNow(), process.exit()), and in a real process nothing after it runs.
   */
  async run(step: readonly RegisteredHook[], context: HookRunContext, stillRunning: () => boolean): Promise<void> {
    this.notStarted = [...step];
    const pending: RunningHook[] = [];
    for (const hook of step) {
      if (!stillRunning()) break;
      this.notStarted.shift();
      this.onStarting(hook);
      const running = startHook(hook, context);
      if (running.result !== undefined) {
        // Known at once (a sync hook): told now, before a sibling's
        // synchronous process.exit() could end the process untold.
        this.onSettled(running, running.result);
        continue;
      }
      this.running.add(running);
      pending.push(running);
    }
    if (pending.length > 0 && !this.loopTurnQueued) {
      // A hook waiting on something that can never settle (a promise
      // nothing resolves, an unref'd timer) leaves the event loop empty, and
      // Node would go from 'beforeExit' straight to 'exit', where nothing
      // can be awaited. One more loop turn makes Node emit 'beforeExit'
      // again instead, where the stall is reported. One turn is enough for
      // all the steps that start before it (10 async hooks: 1 turn, not 10,
      // 0.2 ms less on SIGTERM → gone); a step started after it follows a
      // turn of the loop, and Node emits 'beforeExit' again anyway.
      this.loopTurnQueued = true;
      this.facade.nextLoopTurn(() => {
        this.loopTurnQueued = false;
      });
    }
    await Promise.all(
      pending.map(async (running) => {
        const outcome = await running.outcome;
        // Not told yet, unless cut() did it meanwhile.
        if (this.running.delete(running)) this.onSettled(running, outcome);
      }),
    );
  }

  /** Whether a started hook has not settled. */
  get busy(): boolean {
    return this.running.size > 0;
  }

  /**
   * Stops waiting for every running hook (aborting its signal) and returns
   * their names with how long they ran, for messages. A hook that settled
   * but was not told yet is told now instead of cut.
   */
  cut(reason: CutReason, abortReason: unknown): string[] {
    const now = this.facade.now();
    const names: string[] = [];
    for (const running of [...this.running]) {
      this.running.delete(running);
      if (running.result !== undefined) {
        this.onSettled(running, running.result);
        continue;
      }
      names.push(`"${running.hook.name}" (running for ${formatDuration(now - running.startedAt)})`);
      running.cut(reason, abortReason);
      this.onSettled(running, { kind: 'cut', reason });
    }
    return names;
  }

  /** The hooks of the current step that have not started, taken: they run elsewhere (synchronously). */
  takeNotStarted(): RegisteredHook[] {
    return this.notStarted.splice(0);
  }
}
