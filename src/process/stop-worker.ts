import { Worker } from 'node:worker_threads';
import type { BroadcastChannel } from 'node:worker_threads';
import { describeValue } from '../describe-value.js';
import { validateOptionsObject } from '../validate-arguments.js';
import { DEFAULT_STOP_TIMEOUT_MS, optionalAbortSignal, optionalTimeout } from './stop-options.js';
import { openWorkerStopChannel } from './worker-stop-channel.js';
import { debugLog } from '../index.js';

/** Options of `stopWorker()`. */
export interface StopWorkerOptions {
  /** Milliseconds the worker has to finish its exit hooks before `worker.terminate()`. Default 5000. */
  timeout?: number;
  /** When it aborts, waiting stops and the worker is terminated at once. */
  signal?: AbortSignal;
}

/** How a worker thread ended. */
export interface WorkerStop {
  /**
   * The worker's exit code: what its `exit()`/`process.exit()` gave, 1 after
   * `terminate()`; null for a worker that had already exited before
   * `stopWorker()` was called (Node.js does not keep the code).
   */
  readonly code: number | null;
  /** True when the worker did not stop in time and `worker.terminate()` ended it. */
  readonly terminated: boolean;
}

const inProgress = new WeakMap<Worker, Promise<WorkerStop>>();
/** threadIds asked to stop and not yet gone: asked again when they start listening. */
const pendingStops = new Set<number>();
let channel: BroadcastChannel | undefined;

/**
 * Asks a worker thread to stop, gracefully: inside the worker, `shutdownSignal`
 * aborts and the worker's exit hooks run, then its exit ends the thread. If the
 * worker has not exited within `timeout` (default 5000 ms), it is ended with
 * `worker.terminate()`. Resolves (never rejects) once the worker has exited.
 *
 * The worker must listen for the request: call `exitWithParent()` in it
 * (farewell/process). A worker that does not listen is terminated after
 * `timeout`, unless it ends by itself before. A worker that has already exited
 * resolves at once. Calling it again for a worker being stopped returns the
 * same promise.
 */
export function stopWorker(worker: Worker, options: StopWorkerOptions = {}): Promise<WorkerStop> {
  if (!(worker instanceof Worker)) {
    throw new TypeError(`worker must be a Worker from node:worker_threads, got ${describeValue(worker)}`);
  }
  const given = validateOptionsObject(options, 'options', ['timeout', 'signal']);
  const timeout = optionalTimeout(given.timeout, 'options.timeout', DEFAULT_STOP_TIMEOUT_MS);
  const abortSignal = optionalAbortSignal(given.signal, 'options.signal');
  const running = inProgress.get(worker);
  if (running !== undefined) return running;
  const stop = stopWorkerThread(worker, timeout, abortSignal).finally(() => inProgress.delete(worker));
  inProgress.set(worker, stop);
  return stop;
}

async function stopWorkerThread(worker: Worker, timeout: number, abortSignal: AbortSignal | undefined): Promise<WorkerStop> {
  const threadId = worker.threadId;
  // threadId is -1 once the thread has stopped running.
  if (threadId === -1) return { code: await exitCodeOf(worker), terminated: false };
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  pendingStops.add(threadId);
  sendStop(threadId);
  debugLog(() => `stopWorker: asked worker ${threadId} to stop`);
  const outcome = await new Promise<number | 'late'>((resolve) => {
    const timer = setTimeout(() => finish('late'), timeout);
    const onAbort = (): void => finish('late');
    function finish(result: number | 'late'): void {
      clearTimeout(timer);
      abortSignal?.removeEventListener('abort', onAbort);
      resolve(result);
    }
    if (abortSignal?.aborted) return finish('late');
    abortSignal?.addEventListener('abort', onAbort, { once: true });
    void exited.then(finish);
  });
  let result: WorkerStop;
  if (outcome === 'late') {
    debugLog(() => `stopWorker: worker ${threadId} still running; terminating it`);
    await worker.terminate();
    result = { code: await exited, terminated: true };
  } else {
    result = { code: outcome, terminated: false };
  }
  pendingStops.delete(threadId);
  if (pendingStops.size === 0) {
    channel?.close();
    channel = undefined;
  }
  return result;
}

function sendStop(threadId: number): void {
  channel ??= openWorkerStopChannel((message) => {
    // A worker that started listening after the request was sent missed it.
    if (message.type === 'listening' && pendingStops.has(message.threadId)) channel?.postMessage({ type: 'stop', threadId: message.threadId });
  });
  channel.postMessage({ type: 'stop', threadId });
}

/**
 * The exit code of a worker whose thread no longer runs: its 'exit' event may
 * still be on its way (threadId turns -1 first), else the code is gone.
 */
function exitCodeOf(worker: Worker): Promise<number | null> {
  return new Promise((resolve) => {
    const onExit = (code: number): void => resolve(code);
    worker.once('exit', onExit);
    setImmediate(() => {
      worker.off('exit', onExit);
      resolve(null);
    });
  });
}
