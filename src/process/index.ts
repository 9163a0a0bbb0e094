/**
 * farewell/process: stop child processes (whole trees), worker threads
 * and cluster workers gracefully, tie them to this program's exit, and exit
 * when the parent goes away. Importing installs nothing.
 */
export { terminate, DEFAULT_STOP_TIMEOUT_MS, KILL_CONFIRM_MS } from './terminate.js';
export type { TerminateOptions, Termination } from './terminate.js';
export type { IncompleteReason } from './process-tree.js';
export { stopWorker } from './stop-worker.js';
export type { StopWorkerOptions, WorkerStop } from './stop-worker.js';
export { stopClusterWorker } from './stop-cluster-worker.js';
export type { StopClusterWorkerOptions } from './stop-cluster-worker.js';
export { stopOnExit, stopClusterOnExit, KILL_RESERVE_MS } from './stop-on-exit.js';
export type { StopOnExitOptions, StoppableTarget } from './stop-on-exit.js';
export { exitWithParent, DEFAULT_PARENT_POLL_MS } from './exit-with-parent.js';
export type { ExitWithParentOptions } from './exit-with-parent.js';
export { findDescendants } from './find-descendants.js';
export { WORKER_STOP_CHANNEL } from './worker-stop-channel.js';
