import type { ExitTrigger } from '../exit-trigger.js';
import type { ProcessFacade } from '../process-facade.js';
import type { RegisteredHook } from './hook-registry.js';

/**
 * How a hook ended.
 * - `completed`: returned, or its promise fulfilled.
 * - `failed`: threw, or its promise rejected.
 * - `timed-out`: its own `timeout` elapsed first.
 * - `cut`: the sequence stopped waiting for it (`reason` says why).
 */
export type HookOutcome =
  | { readonly kind: 'completed' }
  | { readonly kind: 'failed'; readonly error: unknown }
  | { readonly kind: 'timed-out'; readonly timeout: number }
  | { readonly kind: 'cut'; readonly reason: CutReason };

/**
 * Why the sequence stopped waiting for running hooks:
 * `deadline` (the global deadline), `forced` (a second signal or error),
 * `stalled` (the event loop emptied: nothing can settle the hook's promise),
 * `process-exit` (process.exit() was called while it ran).
 */
export type CutReason = 'deadline' | 'forced' | 'stalled' | 'process-exit';

/** A hook that has been started. */
export interface RunningHook {
  readonly hook: RegisteredHook;
  readonly startedAt: number;
  /** Settles with the outcome; never rejects. */
  readonly outcome: Promise<HookOutcome>;
  /** The outcome once known (a sync hook's is known as soon as it started), else undefined. */
  readonly result: HookOutcome | undefined;
  /** Stops waiting for the hook: aborts its signal and settles `outcome` as `cut`. */
  cut(reason: CutReason, abortReason: unknown): void;
}

export interface HookRunContext {
  readonly trigger: ExitTrigger;
  readonly exitCode: number;
  readonly facade: ProcessFacade;
  /** When the exit started, and when the global deadline falls (facade clock). */
  readonly startedAt: number;
  readonly deadlineAt: number;
  /** True for what a hook throws to ask for the exit itself (a nested exit()'s SystemExit): not a failure. */
  readonly isExitRequest: (error: unknown) => boolean;
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * A hook's AbortSignal, created only if the hook reads it: an AbortController
 * per hook is the largest cost of a fast exit (bench/core/exit-latency).
 */
function lazyAbortSignal(): { get(): AbortSignal; abort(reason: unknown): void } {
  let controller: AbortController | undefined;
  let aborted = false;
  let abortReason: unknown;
  return {
    get() {
      if (controller === undefined) {
        controller = new AbortController();
        if (aborted) controller.abort(abortReason);
      }
      return controller.signal;
    },
    abort(reason) {
      if (aborted) return;
      aborted = true;
      abortReason = reason;
      controller?.abort(reason);
    },
  };
}

/** Starts one hook, bounded by its own timeout (the global deadline is the caller's). */
export function startHook(hook: RegisteredHook, context: HookRunContext): RunningHook {
  const { facade } = context;
  const signal = lazyAbortSignal();
  const startedAt = facade.now();
  let timer: unknown;
  let settle!: (outcome: HookOutcome) => void;
  let settled: HookOutcome | undefined;
  const outcome = new Promise<HookOutcome>((resolve) => {
    settle = (result) => {
      if (settled !== undefined) return;
      settled = result;
      if (timer !== undefined) facade.clearTimer(timer);
      resolve(result);
    };
  });

  if (hook.timeout !== undefined && Number.isFinite(hook.timeout)) {
    const timeout = hook.timeout;
    // Unref'd: a hook whose promise nothing can settle must not keep the
    // process alive; the exit manager notices the empty loop instead.
    timer = facade.setTimer(
      () => {
        signal.abort(new DOMException(`Exit hook "${hook.name}" timed out after ${timeout} ms`, 'TimeoutError'));
        settle({ kind: 'timed-out', timeout });
      },
      timeout,
      { ref: false },
    );
  }

  const ownDeadline = hook.timeout === undefined ? Infinity : startedAt + hook.timeout;
  const timeLeft = (): number => Math.max(0, Math.min(ownDeadline, context.deadlineAt) - facade.now());
  const elapsed = (): number => facade.now() - context.startedAt;
  const failed = (error: unknown): HookOutcome =>
    context.isExitRequest(error) ? { kind: 'completed' } : { kind: 'failed', error };
  try {
    const result = hook.run({
      trigger: context.trigger,
      exitCode: context.exitCode,
      get signal() {
        return signal.get();
      },
      timeLeft,
      elapsed,
    });
    if (isThenable(result)) {
      result.then(
        () => settle({ kind: 'completed' }),
        (error: unknown) => settle(failed(error)),
      );
    } else {
      settle({ kind: 'completed' });
    }
  } catch (error) {
    settle(failed(error));
  }

  return {
    hook,
    startedAt,
    outcome,
    get result() {
      return settled;
    },
    cut(reason, abortReason) {
      if (settled !== undefined) return;
      signal.abort(abortReason);
      settle({ kind: 'cut', reason });
    },
  };
}

/**
 * Runs a hook synchronously, for `process.exit()` called directly, where
 * nothing can be awaited. Returns whether it returned a promise (which then
 * cannot be waited for) and any error it threw.
 */
export function runHookSynchronously(
  hook: RegisteredHook,
  context: HookRunContext,
): { returnedPromise: boolean; error?: unknown } {
  const controller = new AbortController();
  try {
    // process.exit() is under way: no time is left for anything asynchronous.
    const elapsed = (): number => context.facade.now() - context.startedAt;
    const result = hook.run({ trigger: context.trigger, exitCode: context.exitCode, signal: controller.signal, timeLeft: () => 0, elapsed });
    if (isThenable(result)) {
      // Its rejection would arrive after the process is gone; keep it from
      // being reported as unhandled in the meantime.
      result.then(undefined, () => {});
      return { returnedPromise: true };
    }
    return { returnedPromise: false };
  } catch (error) {
    return context.isExitRequest(error) ? { returnedPromise: false } : { returnedPromise: false, error };
  }
}
