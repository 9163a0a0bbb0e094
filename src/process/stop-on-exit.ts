import { ChildProcess } from 'node:child_process';
import { cluster } from './cluster-module.js';
import type { Worker as ClusterWorker } from 'node:cluster';
import { Worker } from 'node:worker_threads';
import { describeValue } from '../describe-value.js';
import { isClusterWorker, stopClusterWorker } from './stop-cluster-worker.js';
import { stopWorker } from './stop-worker.js';
import { validateOptionsObject } from '../validate-arguments.js';
import { validateSignalName } from '../signals.js';
import { DEFAULT_STOP_TIMEOUT_MS, optionalBoolean, optionalTimeout } from './stop-options.js';
import { terminate } from './terminate.js';
import type { Termination } from './terminate.js';
import { addToExitReport, onExit, reportFailure } from '../index.js';
import type { ExitContext } from '../index.js';

/**
 * Time kept back from what is left of the global deadline when a stop starts,
 * so that the SIGKILL fallback and its confirmation fit before the deadline.
 */
export const KILL_RESERVE_MS = 250;

/** The exit hooks of this module run concurrently with each other, as one step. */
const HOOK_GROUP = 'farewell/process';

/** Options of `stopOnExit()`. */
export interface StopOnExitOptions {
  /**
   * Milliseconds the target has to stop before it is killed (a child
   * process's tree: SIGKILL; a worker thread: `terminate()`). Default 5000,
   * and never more than what is left of the global exit deadline.
   */
  timeout?: number;
  /** Child processes only: the signal that asks them to stop. Default `'SIGTERM'`. */
  stopSignal?: NodeJS.Signals;
  /** Child processes only: stop the whole tree (default true) or the child alone. */
  tree?: boolean;
}

/** What `stopOnExit()` accepts. */
export type StoppableTarget = ChildProcess | Worker | ClusterWorker;

interface Registration {
  readonly target: StoppableTarget;
  readonly timeout: number;
  readonly stopSignal: NodeJS.Signals | undefined;
  readonly tree: boolean | undefined;
}

const registrations = new Map<StoppableTarget, Registration>();
let unregisterHook: (() => void) | undefined;
const clusterStops = new Set<{ timeout: number }>();

/**
 * Ties a child process, worker thread or cluster worker to this program's
 * exit: when the exit sequence runs, one exit hook stops every registered
 * target, all concurrently, each as `terminate()`, `stopWorker()` or
 * `stopClusterWorker()` would, within `timeout` (default 5000 ms) and within
 * what is left of the global deadline. A target that exits by itself is
 * forgotten. Returns a function that unregisters it (idempotent).
 *
 * Whatever had to be killed is reported (configured logger, default stderr) as
 * a cleanup failure: a status of 0 becomes 1. Registering the first
 * target registers the exit hook, which installs the signal listeners of
 * farewell; unregistering the last removes it.
 */
export function stopOnExit(target: StoppableTarget, options: StopOnExitOptions = {}): () => void {
  const isChild = target instanceof ChildProcess;
  if (!isChild && !(target instanceof Worker) && !isClusterWorker(target)) {
    throw new TypeError(`target must be a ChildProcess, a worker_threads Worker or a cluster Worker, got ${describeValue(target)}`);
  }
  const given = validateOptionsObject(options, 'options', ['timeout', 'stopSignal', 'tree']);
  const timeout = optionalTimeout(given.timeout, 'options.timeout', DEFAULT_STOP_TIMEOUT_MS);
  for (const childOnly of ['stopSignal', 'tree'] as const) {
    if (given[childOnly] !== undefined && !isChild) throw new TypeError(`options.${childOnly} applies to child processes only`);
  }
  const stopSignal = given.stopSignal === undefined ? undefined : validateSignalName(given.stopSignal, 'options.stopSignal');
  const tree = optionalBoolean(given.tree, 'options.tree');
  const exitEmitter = target instanceof Worker || isChild ? target : target.process;
  if (hasExited(target)) return () => {};
  const registration: Registration = { target, timeout, stopSignal, tree };
  registrations.set(target, registration);
  const forget = (): void => {
    if (registrations.get(target) !== registration) return;
    registrations.delete(target);
    exitEmitter.off('exit', forget);
    updateHook();
  };
  exitEmitter.once('exit', forget);
  updateHook();
  return forget;
}

/**
 * In the primary of a `node:cluster` program: when the exit sequence runs,
 * every worker (those forked later included, and any forked while exiting)
 * is stopped as `stopClusterWorker()` does, all concurrently: disconnected,
 * given `timeout` (default 5000 ms, bounded by the global deadline) to drain
 * and exit, then killed. Workers that had to be killed are reported as a cleanup
 * failure (a status of 0 becomes 1).
 * The primary's exit continues when all are gone. Returns a function that
 * unregisters (idempotent). Throws outside a cluster primary.
 */
export function stopClusterOnExit(options: { timeout?: number } = {}): () => void {
  const given = validateOptionsObject(options, 'options', ['timeout']);
  const timeout = optionalTimeout(given.timeout, 'options.timeout', DEFAULT_STOP_TIMEOUT_MS);
  if (!cluster.isPrimary) throw new Error('stopClusterOnExit() must be called in the cluster primary (cluster.isPrimary is false)');
  const entry = { timeout };
  clusterStops.add(entry);
  updateHook();
  let removed = false;
  return () => {
    if (removed) return;
    removed = true;
    clusterStops.delete(entry);
    updateHook();
  };
}

function updateHook(): void {
  const wanted = registrations.size > 0 || clusterStops.size > 0;
  if (wanted && unregisterHook === undefined) {
    unregisterHook = onExit(stopEverything, { name: 'farewell/process: stop children and workers', group: HOOK_GROUP });
  } else if (!wanted && unregisterHook !== undefined) {
    unregisterHook();
    unregisterHook = undefined;
  }
}

async function stopEverything({ signal, timeLeft }: ExitContext): Promise<void> {
  const budget = (timeout: number): number => Math.max(1, Math.min(timeout, timeLeft() - KILL_RESERVE_MS));
  const stops: Array<Promise<void>> = [];
  for (const registration of [...registrations.values()]) stops.push(stopOne(registration, budget(registration.timeout), signal));
  if (clusterStops.size > 0) stops.push(stopCluster(Math.max(...[...clusterStops].map((entry) => entry.timeout)), budget, signal));
  await Promise.all(stops);
}

async function stopOne(registration: Registration, timeout: number, signal: AbortSignal): Promise<void> {
  const { target } = registration;
  if (target instanceof ChildProcess) {
    const result = await terminate(target, {
      timeout,
      signal,
      ...(registration.stopSignal === undefined ? {} : { stopSignal: registration.stopSignal }),
      ...(registration.tree === undefined ? {} : { tree: registration.tree }),
    });
    reportTermination(`child process ${target.pid} (${target.spawnfile})`, timeout, result);
  } else if (target instanceof Worker) {
    const threadId = target.threadId;
    const result = await stopWorker(target, { timeout, signal });
    addToExitReport('farewell/process', { target: `worker thread ${threadId}`, ...result });
    if (result.terminated) report(`worker thread ${threadId}`, timeout);
  } else {
    const result = await stopClusterWorker(target, { timeout, signal });
    reportTermination(`cluster worker ${target.id} (pid ${target.process.pid})`, timeout, result);
  }
}

async function stopCluster(timeout: number, budget: (timeout: number) => number, signal: AbortSignal): Promise<void> {
  const stops: Array<Promise<void>> = [];
  const stopWorkerOf = (worker: ClusterWorker): void => {
    stops.push(
      stopClusterWorker(worker, { timeout: budget(timeout), signal }).then((result) => {
        reportTermination(`cluster worker ${worker.id} (pid ${worker.process.pid})`, budget(timeout), result);
      }),
    );
  };
  // Restart-on-exit code may fork replacements while the others stop: stop those too.
  cluster.on('fork', stopWorkerOf);
  try {
    for (const worker of Object.values(cluster.workers ?? {})) if (worker !== undefined) stopWorkerOf(worker);
    // Stops added while waiting (forks) are awaited too.
    let awaited = 0;
    while (awaited < stops.length) {
      const batch = stops.slice(awaited);
      awaited = stops.length;
      await Promise.all(batch);
    }
  } finally {
    cluster.off('fork', stopWorkerOf);
  }
}

/** A process tree's stop into the exit report; what had to be killed, and what may have been missed, as a cleanup failure. */
function reportTermination(what: string, timeout: number, result: Termination): void {
  addToExitReport('farewell/process', { target: what, ...result });
  if (result.killed) report(what, timeout, result.killedPids, result.survivingPids);
  if (result.unattributedPids.length > 0) reportUnattributed(what, result.unattributedPids);
}

function report(what: string, timeout: number, killedPids: readonly number[] = [], survivingPids: readonly number[] = []): void {
  const killed = killedPids.length > 0 ? ` (pids ${killedPids.join(', ')})` : '';
  const surviving = survivingPids.length > 0 ? `; could not kill pids ${survivingPids.join(', ')}` : '';
  const how = what.startsWith('worker thread') ? 'terminated it' : `killed it with SIGKILL${killed}`;
  reportFailure(`farewell: ${what} did not stop within ${Math.round(timeout)} ms: ${how}${surviving}`);
}

/**
 * Processes left running that may come from a child's tree (a double fork in a
 * child that shares this process's session): nobody can tell, so they were not
 * signalled, and the exit does not claim a complete cleanup.
 */
function reportUnattributed(what: string, pids: readonly number[]): void {
  reportFailure(
    `farewell: ${what}: left running pid${pids.length === 1 ? '' : 's'} ${pids.join(', ')}, which started after it in this ` +
      `process's session and lost their parent: they may come from its tree (spawn it with detached: true to have them stopped)`,
  );
}

function hasExited(target: StoppableTarget): boolean {
  if (target instanceof Worker) return target.threadId === -1;
  const child = target instanceof ChildProcess ? target : target.process;
  return child.exitCode !== null || child.signalCode !== null;
}
