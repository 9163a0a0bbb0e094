import { isSystemExit } from '../errors.js';
import { describeTrigger } from '../exit-trigger.js';
import { runHookSynchronously } from '../hooks/run-hook.js';
import { formatError } from '../output/format-error.js';
import { orFailure } from '../exit-status.js';
import { recordedStatus } from './end-process.js';
import type { ExitSequence } from './exit-sequence.js';

/** What a hook's own `process.exit()` throws while hooks run synchronously (see `captureExitCalls`). */
const NESTED_PROCESS_EXIT = Symbol('process.exit() called inside an exit hook');

/**
 * The process is ending without waiting: `process.exit()` was called
 * directly, or Node is ending for an uncaught error it handles itself
 * (handleErrors false). Nothing can be awaited, so the hooks run
 * synchronously, with the same order and registration rules as on any other
 * path: a hook registered meanwhile runs next, the rest of a step whose hook
 * called process.exit() still runs, and a hook's own `process.exit(n)` sets
 * the status while the older hooks still run. Promises the hooks return are
 * named, since they cannot be awaited.
 */
export function runHooksSynchronously(
  sequence: ExitSequence,
  code: number,
  uncaught: { error: unknown; origin: 'uncaughtException' | 'unhandledRejection' } | undefined,
): void {
  const { facade } = sequence;
  if (sequence.phase === 'ending' || sequence.phase === 'ended') return;
  if (sequence.phase === 'idle') {
    sequence.began(uncaught === undefined ? { kind: 'process-exit' } : { kind: 'error', ...uncaught }, recordedStatus(facade, code));
  } else {
    const running = sequence.steps.cut('process-exit', new DOMException('process.exit() was called', 'AbortError'));
    if (running.length > 0) {
      sequence.report.forced('process-exit', facade.now());
      // Hooks still running are cut: a failed cleanup.
      sequence.cleanupFailed = true;
      sequence.messages.log(`farewell: process.exit() was called during the exit; hooks cut short: ${running.join(', ')}`);
    }
  }
  sequence.ended(); // no deadline, no watching: nothing asynchronous can happen any more
  sequence.phase = 'hooks'; // hooks may still register others, which run next
  sequence.debug(() => `${describeTrigger(sequence.trigger!)}: running the hooks synchronously`);

  const context = { ...sequence.hookContext(), isExitRequest: (error: unknown) => error === NESTED_PROCESS_EXIT || sequence.isThrownByExit(error) || isSystemExit(error) };
  const unawaited: string[] = [];
  const stopCapturing = facade.captureExitCalls(NESTED_PROCESS_EXIT);
  try {
    const rest = sequence.steps.takeNotStarted();
    for (let step = rest.length > 0 ? rest : sequence.registry.takeNextStep(); step.length > 0; step = sequence.registry.takeNextStep()) {
      for (const hook of step) {
        if (sequence.phase !== 'hooks') return; // exitNow() inside a hook: the process is gone
        sequence.report.hookStarted(hook, facade.now());
        const result = runHookSynchronously(hook, context);
        if (result.returnedPromise) unawaited.push(`"${hook.name}"`);
        const outcome = 'error' in result ? { kind: 'failed' as const, error: result.error } : { kind: result.returnedPromise ? ('unawaited' as const) : ('completed' as const) };
        sequence.report.hookSettled(hook, outcome, facade.now());
        if ('error' in result) {
          sequence.cleanupFailed = true;
          sequence.messages.log(`farewell: exit hook "${hook.name}" failed:\n${formatError(result.error)}`);
        }
      }
    }
  } finally {
    stopCapturing();
  }
  sequence.phase = 'ended';
  if (unawaited.length > 0) {
    const error = sequence.trigger?.kind === 'error';
    const why = error ? `the process is ending because of ${describeTrigger(sequence.trigger!)} (handleErrors is false)` : 'process.exit() was called directly';
    const advice = error ? '' : ' Call exit() from farewell instead to let them finish.';
    sequence.messages.log(`farewell: ${why}, so the promises returned by these exit hooks could not be awaited: ${unawaited.join(', ')}.${advice}`);
  }
  const status = orFailure(recordedStatus(facade, code), sequence.cleanupFailed);
  if (status !== recordedStatus(facade, code)) facade.setExitCode(status);
  sequence.reportEnd({ kind: 'exit', status });
}
