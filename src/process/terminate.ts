import { ChildProcess } from 'node:child_process';
import { describeValue } from '../describe-value.js';
import { validateOptionsObject } from '../validate-arguments.js';
import { validateSignalName } from '../signals.js';
import { ProcessTree } from './process-tree.js';
import type { IncompleteReason } from './process-tree.js';
import { DEFAULT_STOP_TIMEOUT_MS, optionalAbortSignal, optionalBoolean, optionalTimeout } from './stop-options.js';
import { debugLog } from '../index.js';

export { DEFAULT_STOP_TIMEOUT_MS };

/**
 * How long SIGKILL may take to be confirmed. SIGKILL cannot be caught, so only
 * a process stuck in the kernel (uninterruptible sleep, "D" state) outlives it.
 */
export const KILL_CONFIRM_MS = 2000;

/**
 * Polling schedule for processes that are not children of this one (their
 * exit cannot be awaited as an event): first look after 2 ms, since most
 * processes are gone 1–4 ms after SIGTERM (research: node-platform-facts §11),
 * then double the wait up to 100 ms. The child's own exit wakes the loop too.
 */
const FIRST_POLL_MS = 2;
const MAX_POLL_MS = 100;

/** Options of `terminate()`. */
export interface TerminateOptions {
  /**
   * The signal that asks the processes to stop. Default `'SIGTERM'`.
   * `'SIGKILL'` kills at once. On Windows every signal ends the process abruptly.
   */
  stopSignal?: NodeJS.Signals;
  /** Milliseconds the processes have to stop before SIGKILL. Default 5000. */
  timeout?: number;
  /**
   * Stop the child's whole tree (default `true`): its process group when it
   * leads one (spawned with `detached: true`), and on Linux also every
   * descendant found through /proc, and every process of the groups and
   * sessions the child or a descendant leads. `false`: the child alone.
   */
  tree?: boolean;
  /** When it aborts, waiting stops: whatever still runs is killed at once. */
  signal?: AbortSignal;
}

/** How a child process ended. */
export interface Termination {
  /** The child's exit code, or null if it died by a signal. */
  readonly code: number | null;
  /** The signal that ended the child, or null if it exited with a code. */
  readonly signal: NodeJS.Signals | null;
  /** True when anything (the child or a process of its tree) had to be killed with SIGKILL. */
  readonly killed: boolean;
  /** The processes that had to be killed with SIGKILL (on Linux; elsewhere only the child's pid). */
  readonly killedPids: readonly number[];
  /**
   * Processes still there after SIGKILL: not permitted to signal them (another
   * user's), or stuck in the kernel. Normally empty.
   */
  readonly survivingPids: readonly number[];
  /**
   * Whether everything that was asked to stop could be found: `true` with
   * `tree: false`, and on Linux when no process seen may belong to the tree
   * without being known as part of it. A process that left the tree's
   * sessions (`setsid`, as daemons do) and whose parent has exited cannot be
   * seen anywhere, so it never makes this false.
   */
  readonly complete: boolean;
  /**
   * Why `complete` is false, null when it is true:
   * - `'cannot-list-processes'`: not Linux (or /proc unreadable): only the
   *   child, or its process group, was reached;
   * - `'child-already-exited'`: the child had exited before `terminate()`:
   *   nothing was signalled, what it left behind cannot be identified;
   * - `'unattributed-processes'`: see `unattributedPids`.
   */
  readonly incompleteReason: IncompleteReason | null;
  /**
   * Linux, a child that shares this process's session (not spawned with
   * `detached: true`): processes of that session that started after the child
   * and whose parent has exited (re-parented to init, as a double fork does),
   * still running at the end. They may come from the child's tree or from
   * anything else in the session, so they were not signalled. Normally empty;
   * spawn the child with `detached: true` to have them found and stopped.
   */
  readonly unattributedPids: readonly number[];
}

const inProgress = new WeakMap<ChildProcess, Promise<Termination>>();

/**
 * Stops a child process and everything it started, gracefully: sends
 * `stopSignal` (default SIGTERM), waits up to `timeout` (default 5000 ms) for
 * the child and its whole tree to end, then kills what is left with SIGKILL.
 * Resolves when nothing is left (never rejects), with how the child ended and
 * what had to be killed.
 *
 * Every process receives the stop signal once: a child spawned with
 * `detached: true` leads its own process group, which is signalled as a whole
 * (`kill(-pid)`); on Linux, the other members of the tree (descendants by
 * parent pid, and every process of the sessions and groups the child or a
 * descendant leads, re-parented double-forks included) are found through
 * /proc and signalled one by one. A child that shares this process's session
 * (not detached) leads none: a re-parented process of that session cannot be
 * told apart from unrelated ones, so it is left alone and named in
 * `unattributedPids` (`complete: false`). On macOS and other Unix systems
 * only the group (or, without one, the child) can be reached; on Windows
 * there are no signals: the child alone is ended abruptly.
 *
 * A child that has already exited, or never started (`pid` undefined),
 * resolves at once with its `exitCode`/`signalCode`: what it may have left
 * behind can no longer be told apart from unrelated processes (its pid may
 * have been reused), so nothing is signalled (`complete: false` for one that
 * had exited).
 * Calling it again for a child being terminated returns the same promise.
 */
export function terminate(child: ChildProcess, options: TerminateOptions = {}): Promise<Termination> {
  if (!(child instanceof ChildProcess)) {
    throw new TypeError(`child must be a ChildProcess (from spawn, fork, exec…), got ${describeValue(child)}`);
  }
  const { stopSignal, timeout, tree, signal } = validateTerminateOptions(options, 'options');
  const running = inProgress.get(child);
  if (running !== undefined) return running;
  const termination = stopProcessTree(child, stopSignal, timeout, tree, signal).finally(() => inProgress.delete(child));
  inProgress.set(child, termination);
  return termination;
}

interface ValidTerminateOptions {
  stopSignal: NodeJS.Signals;
  timeout: number;
  tree: boolean;
  signal: AbortSignal | undefined;
}

const TERMINATE_OPTION_NAMES = ['stopSignal', 'timeout', 'tree', 'signal'];

function validateTerminateOptions(options: unknown, parameter: string): ValidTerminateOptions {
  const given = validateOptionsObject(options, parameter, TERMINATE_OPTION_NAMES);
  return {
    stopSignal: given.stopSignal === undefined ? 'SIGTERM' : validateSignalName(given.stopSignal, `${parameter}.stopSignal`),
    timeout: optionalTimeout(given.timeout, `${parameter}.timeout`, DEFAULT_STOP_TIMEOUT_MS),
    tree: optionalBoolean(given.tree, `${parameter}.tree`) ?? true,
    signal: optionalAbortSignal(given.signal, `${parameter}.signal`),
  };
}

/**
 * The termination itself. `stopSignal` undefined means "already asked by the
 * caller" (the CLI forwards signals itself): only wait, then kill.
 */
export async function stopProcessTree(
  child: ChildProcess,
  stopSignal: NodeJS.Signals | undefined,
  timeout: number,
  wholeTree: boolean,
  abortSignal: AbortSignal | undefined,
): Promise<Termination> {
  const exit = childExit(child);
  const pid = child.pid;
  if (pid === undefined || exit.done) {
    // A child that never started left nothing behind; one that has exited may have.
    const complete = pid === undefined || !wholeTree;
    return {
      code: exit.code,
      signal: exit.signal,
      killed: false,
      killedPids: [],
      survivingPids: [],
      complete,
      incompleteReason: complete ? null : 'child-already-exited',
      unattributedPids: [],
    };
  }
  const tree = new ProcessTree(pid, { wholeTree, soleChild: false });
  // Scan before signalling: once a parent dies its children are re-parented
  // and can no longer be found by parent pid.
  tree.scan();
  return stopWatchedTree(tree, exit, stopSignal, timeout, abortSignal);
}

/**
 * Stops a tree already being watched (scanned at least once, while the root
 * still ran): sends `stopSignal` unless undefined, waits until the root has
 * exited and the tree is empty, or `timeout` ms, or `abortSignal` aborts; then
 * SIGKILLs what is left and waits up to KILL_CONFIRM_MS for it to be gone.
 * Releases the tree at the end.
 */
export async function stopWatchedTree(
  tree: ProcessTree,
  exit: ChildExit,
  stopSignal: NodeJS.Signals | undefined,
  timeout: number,
  abortSignal: AbortSignal | undefined,
): Promise<Termination> {
  const pid = tree.rootPid;
  const started = performance.now();
  // Every check scans, and judges "nothing left" on that same reading of
  // /proc: a member that forked and exited between a scan and a later check
  // would leave a process that no scan has seen.
  const finished = (): boolean => {
    if (exit.done) tree.rootExited();
    tree.scan();
    return exit.done && tree.isEmpty();
  };
  let done = finished();

  if (stopSignal !== 'SIGKILL' && !abortSignal?.aborted) {
    if (stopSignal !== undefined) {
      const { signalled } = tree.signalAll(stopSignal);
      debugLog(() => `terminate ${pid}: sent ${stopSignal} to ${signalled.length > 0 ? signalled.join(' ') : 'nothing (already gone)'}`);
    }
    const deadline = started + timeout;
    let delay = FIRST_POLL_MS;
    while (!done && !abortSignal?.aborted && performance.now() < deadline) {
      await wake(Math.min(delay, deadline - performance.now()), exit, abortSignal);
      done = finished();
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }

  const killedPids: number[] = [];
  const refusedPids = new Set<number>();
  if (!done) {
    debugLog(() => `terminate ${pid}: ${abortSignal?.aborted ? 'aborted' : `not done after ${timeout} ms`}; sending SIGKILL`);
    const confirmBy = performance.now() + KILL_CONFIRM_MS;
    let delay = FIRST_POLL_MS;
    // A process forked between a scan and the kill escapes that round; the
    // next scan finds it. Bounded by the confirmation time.
    while (!done && performance.now() < confirmBy) {
      const { signalled, refused } = tree.signalAll('SIGKILL');
      for (const killedPid of signalled) if (!killedPids.includes(killedPid)) killedPids.push(killedPid);
      for (const refusedPid of refused) refusedPids.add(refusedPid);
      await wake(Math.min(delay, confirmBy - performance.now()), exit, undefined);
      done = finished();
      delay = Math.min(delay * 2, MAX_POLL_MS);
    }
  }

  const survivingPids = [...new Set([...(exit.done ? [] : [pid]), ...tree.aliveMembers(), ...refusedPids])];
  const completeness = tree.completeness();
  tree.release();
  debugLog(
    () =>
      `terminate ${pid}: ended ${exit.signal ?? `with code ${exit.code}`} after ${(performance.now() - started).toFixed(1)} ms` +
      `${killedPids.length > 0 ? `; killed ${killedPids.join(' ')}` : ''}${survivingPids.length > 0 ? `; still there: ${survivingPids.join(' ')}` : ''}` +
      `${completeness.complete ? '' : `; incomplete: ${completeness.incompleteReason} ${completeness.unattributedPids.join(' ')}`}`,
  );
  return { code: exit.code, signal: exit.signal, killed: killedPids.length > 0, killedPids, survivingPids, ...completeness };
}

/** A child's exit, as state that is filled in when it happens. */
export interface ChildExit {
  done: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Resolves when the child has exited. */
  readonly promise: Promise<void>;
}

/** The child's exit as state plus a promise (the 'exit' event, not 'close': stdio may be held open by grandchildren). */
export function childExit(child: ChildProcess): ChildExit {
  const state: ChildExit = { done: false, code: child.exitCode, signal: child.signalCode, promise: Promise.resolve() };
  if (child.exitCode !== null || child.signalCode !== null) return { ...state, done: true };
  Object.assign(state, {
    promise: new Promise<void>((resolve) => {
      child.once('exit', (code: number | null, signal: NodeJS.Signals | null) => {
        state.done = true;
        state.code = code;
        state.signal = signal;
        resolve();
      });
    }),
  });
  return state;
}

/** Waits `ms`, or less if the child exits or `abortSignal` aborts. Ref'd: the caller awaits it. */
function wake(ms: number, exit: ChildExit, abortSignal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      abortSignal?.removeEventListener('abort', done);
      resolve();
    };
    timer = setTimeout(done, Math.max(0, ms));
    abortSignal?.addEventListener('abort', done, { once: true });
    if (!exit.done) void exit.promise.then(done);
  });
}
