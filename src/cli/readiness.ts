import type { Generation } from './generation.js';
import type { Readiness } from './reload-arguments.js';
import { waitForReadyUrl } from './ready-url.js';
import { debugLog } from '../index.js';

/** How waiting for a generation's readiness ended. */
export type ReadinessOutcome = 'ready' | 'exited' | 'timed-out' | 'aborted';

/**
 * Waits until `generation` is ready: it sends `'ready'` over IPC (always
 * accepted), or `--ready-url` answers 200 from it, or `--ready-delay` has
 * passed; or it exits first, or `timeoutMs` passes, or `signal` aborts
 * (the CLI is stopping).
 */
export async function waitForReadiness(generation: Generation, readiness: Readiness, timeoutMs: number, signal: AbortSignal): Promise<ReadinessOutcome> {
  const local = new AbortController();
  const stop = (): void => local.abort();
  signal.addEventListener('abort', stop, { once: true });
  let timer: NodeJS.Timeout | undefined;
  let delayTimer: NodeJS.Timeout | undefined;
  try {
    const waits: Array<Promise<ReadinessOutcome>> = [
      generation.readyMessage.then(() => 'ready' as const),
      generation.exit.promise.then(() => 'exited' as const),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve('timed-out'), timeoutMs);
        local.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      }),
    ];
    if (readiness.kind === 'url') waits.push(waitForReadyUrl(readiness.url, generation, local.signal).then(() => 'ready' as const));
    if (readiness.kind === 'delay') waits.push(new Promise((resolve) => (delayTimer = setTimeout(resolve, readiness.ms, 'ready'))));
    const outcome = await Promise.race(waits);
    debugLog(() => `${generation}: readiness ${outcome} after ${generation.age()} ms`);
    // A generation that exits while "ready" is still in flight did not serve.
    return outcome === 'ready' && generation.exit.done ? 'exited' : outcome;
  } finally {
    clearTimeout(timer);
    clearTimeout(delayTimer);
    signal.removeEventListener('abort', stop);
    local.abort(); // ends the URL polling
  }
}
