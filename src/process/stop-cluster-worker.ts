import { cluster } from './cluster-module.js';
import type { Worker as ClusterWorker } from 'node:cluster';
import { describeValue } from '../describe-value.js';
import { validateOptionsObject } from '../validate-arguments.js';
import { DEFAULT_STOP_TIMEOUT_MS, optionalAbortSignal, optionalTimeout } from './stop-options.js';
import { stopProcessTree } from './terminate.js';
import type { Termination } from './terminate.js';
import { debugLog } from '../index.js';

/** Options of `stopClusterWorker()`. */
export interface StopClusterWorkerOptions {
  /** Milliseconds the worker has to drain and exit before its process tree is killed. Default 5000. */
  timeout?: number;
  /** When it aborts, waiting stops: the worker's tree is killed at once. */
  signal?: AbortSignal;
}

/** Whether `value` is a `cluster.Worker` (as seen in the primary). */
export function isClusterWorker(value: unknown): value is ClusterWorker {
  // cluster.Worker exists at run time (the class of cluster.fork()'s result) but not in @types/node.
  const WorkerClass = (cluster as unknown as { Worker?: abstract new (...args: never[]) => unknown }).Worker;
  return typeof WorkerClass === 'function' && value instanceof WorkerClass;
}

/**
 * Stops one cluster worker gracefully, from the primary: disconnects it
 * (`worker.disconnect()`: the primary stops handing it connections, marks it
 * `exitedAfterDisconnect` so restart-on-exit logic leaves it dead, and Node
 * closes its servers), waits up to `timeout` (default 5000 ms) for its
 * process to exit, then kills its process tree with SIGKILL. A worker whose
 * IPC channel is already closed gets SIGTERM instead of the disconnect.
 * Resolves (never rejects) with how its process ended.
 *
 * A worker that calls `exitWithParent()` starts its own exit sequence the
 * moment the disconnect arrives, so its exit hooks (an HTTP drain among them)
 * run while Node closes its servers.
 */
export function stopClusterWorker(worker: ClusterWorker, options: StopClusterWorkerOptions = {}): Promise<Termination> {
  if (!isClusterWorker(worker)) {
    throw new TypeError(`worker must be a cluster Worker (in the primary: cluster.fork() or cluster.workers), got ${describeValue(worker)}`);
  }
  const given = validateOptionsObject(options, 'options', ['timeout', 'signal']);
  const timeout = optionalTimeout(given.timeout, 'options.timeout', DEFAULT_STOP_TIMEOUT_MS);
  const abortSignal = optionalAbortSignal(given.signal, 'options.signal');
  let stopSignal: NodeJS.Signals | undefined;
  if (worker.isConnected()) {
    debugLog(() => `stopClusterWorker: disconnecting worker ${worker.id} (pid ${worker.process.pid})`);
    worker.disconnect();
  } else {
    stopSignal = 'SIGTERM';
  }
  return stopProcessTree(worker.process, stopSignal, timeout, true, abortSignal);
}
