import { cluster } from './cluster-module.js';
import { isMainThread, threadId } from 'node:worker_threads';
import { validateExitStatus } from '../exit-status.js';
import { validateOptionsObject } from '../validate-arguments.js';
import { optionalTimeout } from './stop-options.js';
import { openWorkerStopChannel } from './worker-stop-channel.js';
import { debugLog, onExit, requestExit } from '../index.js';

/** Default interval between two checks that the parent process is still there. */
export const DEFAULT_PARENT_POLL_MS = 500;

/** Options of `exitWithParent()`. */
export interface ExitWithParentOptions {
  /** The exit status when the parent goes away or asks to stop. Default 0. */
  status?: number;
  /**
   * Milliseconds between two checks of the parent pid (`process.ppid`), the
   * only sign of a parent's death when there is no IPC channel. Default 500.
   */
  pollInterval?: number;
}

/** The IPC channel object on `process.channel` (Node's reference counting is not in the types; Bun has only ref/unref). */
interface IpcControl {
  refCounted?: () => void;
  unrefCounted?: () => void;
  ref?: () => void;
  unref?: () => void;
}

/**
 * Makes this program exit gracefully, through its own exit sequence
 * (`shutdownSignal` aborts, exit hooks run), when its parent goes away or
 * asks it to stop. Opt-in; returns a function that stops watching.
 *
 * - In a child process: when the parent process dies (even by SIGKILL) or
 *   closes the IPC channel (`child.disconnect()`). With an IPC channel (fork)
 *   the 'disconnect' event tells at once; without one, the parent pid is
 *   checked every `pollInterval` ms (a dead parent's children are
 *   re-parented). Listening never keeps the process alive (nodejs/node#43930).
 * - In a cluster worker: also when the primary disconnects it
 *   (`worker.disconnect()`, what `stopClusterOnExit()` does): the worker's
 *   exit sequence starts at once, while Node closes its servers, and an exit
 *   hook waits for Node to finish closing them. When the primary dies, Node
 *   would end the worker at once (`process.exit(0)`); the worker's hooks run
 *   first instead.
 * - In a worker thread: when the thread that created it calls `stopWorker()`.
 *   Listening never keeps the thread alive.
 *
 * The exit status is `options.status` (default 0); the trigger is
 * `{ kind: 'request', source }`, `source` saying which of these happened.
 */
export function exitWithParent(options: ExitWithParentOptions = {}): () => void {
  const given = validateOptionsObject(options, 'options', ['status', 'pollInterval']);
  const status = given.status === undefined ? 0 : validateExitStatus(given.status, 'options.status');
  const pollInterval = optionalTimeout(given.pollInterval, 'options.pollInterval', DEFAULT_PARENT_POLL_MS);
  const stops: Array<() => void> = [];
  const exit = (source: string): void => {
    debugLog(() => `exitWithParent: ${source}`);
    requestExit(source, status);
  };
  if (!isMainThread) {
    stops.push(listenForStopRequests(exit));
  } else if (process.connected === false && typeof process.send === 'function') {
    // Started with an IPC channel that the parent has already closed. (Without
    // one, process.send is undefined; Bun then sets connected to false too.)
    exit('the parent process closed the IPC channel');
  } else {
    if (process.channel) stops.push(watchIpcChannel(exit));
    if (cluster.isWorker) stops.push(watchClusterDisconnect(exit));
    stops.push(watchParentPid(exit, pollInterval));
  }
  let stopped = false;
  return () => {
    if (stopped) return;
    stopped = true;
    for (const stop of stops) stop();
  };
}

function listenForStopRequests(exit: (source: string) => void): () => void {
  const channel = openWorkerStopChannel((message) => {
    if (message.type === 'stop' && message.threadId === threadId) exit('the parent thread asked this worker to stop');
  });
  channel.postMessage({ type: 'listening', threadId });
  return () => channel.close();
}

/**
 * A 'disconnect' listener makes Node ref the IPC channel, which would keep a
 * healthy child alive forever (nodejs/node#43930, babel/babel#13259). Node
 * counts such listeners on `process.channel`; the count is given back right
 * after adding ours and taken again before removing it, so the channel stays
 * ref'd exactly as the program's own listeners want.
 */
function watchIpcChannel(exit: (source: string) => void): () => void {
  const onDisconnect = (): void => {
    // In a cluster worker Node's own listener would process.exit(0) right
    // after this one when the primary went away: mark the disconnect as
    // expected so the exit sequence can run.
    if (cluster.isWorker && cluster.worker && !cluster.worker.exitedAfterDisconnect) cluster.worker.exitedAfterDisconnect = true;
    exit('the parent process closed the IPC channel');
  };
  // Prepended: it must run before the cluster's listener (see above).
  process.prependListener('disconnect', onDisconnect);
  const channel = process.channel as IpcControl | undefined;
  if (typeof channel?.unrefCounted === 'function') {
    channel.unrefCounted();
    return () => {
      (process.channel as IpcControl | undefined)?.refCounted?.();
      process.off('disconnect', onDisconnect);
    };
  }
  const stopCounting = countChannelReferences(onDisconnect);
  return () => {
    process.off('disconnect', onDisconnect);
    stopCounting();
  };
}

/**
 * Bun's channel has no reference count: a 'message' or 'disconnect' listener
 * refs it for good, and unref() overrides every listener (docs/runtimes.md).
 * There the channel is ref'd exactly while the program has such listeners of
 * its own (`ours` left out), as Node's count would have it; 'disconnect'
 * still arrives on an unref'd channel.
 */
function countChannelReferences(ours: (...args: any[]) => void): () => void {
  const update = (): void => {
    const channel = process.channel as IpcControl | undefined;
    const theirs = [...process.listeners('message'), ...process.listeners('disconnect')].filter((listener) => listener !== ours);
    if (theirs.length > 0) channel?.ref?.();
    else channel?.unref?.();
  };
  // 'newListener' comes before the listener is added: count once it is there.
  const onListenersChanged = (event: string | symbol): void => {
    if (event === 'message' || event === 'disconnect') queueMicrotask(update);
  };
  process.on('newListener', onListenersChanged);
  process.on('removeListener', onListenersChanged);
  update();
  return () => {
    process.off('newListener', onListenersChanged);
    process.off('removeListener', onListenersChanged);
    update();
  };
}

/**
 * Node's cluster tells a worker to disconnect with an internal IPC message;
 * it then closes the worker's servers and, once they are closed, the IPC
 * channel. Starting the exit sequence on the message, not on the channel's
 * close, lets the worker's hooks (an HTTP drain) work while the servers close;
 * the hook registered here waits for Node to finish closing them, so no
 * in-flight request is cut even when no hook drains the servers.
 */
function watchClusterDisconnect(exit: (source: string) => void): () => void {
  let disconnecting = false;
  const onInternalMessage = (message: unknown): void => {
    // Own properties only: Node's replies to the worker ({ cmd, ack, … }) have
    // no `act`, and an `act` planted on Object.prototype must not read as one.
    if (typeof message !== 'object' || message === null || !Object.hasOwn(message, 'cmd') || !Object.hasOwn(message, 'act')) return;
    const { cmd, act } = message as Record<string, unknown>;
    if (cmd !== 'NODE_CLUSTER' || act !== 'disconnect') return;
    disconnecting = true;
    exit('the cluster primary disconnected this worker');
  };
  process.on('internalMessage', onInternalMessage);
  const unregister = onExit(
    async ({ signal }) => {
      if (!disconnecting || !process.connected) return;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          process.off('disconnect', done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        process.on('disconnect', done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
    { name: 'farewell/process: cluster worker disconnect' },
  );
  return () => {
    process.off('internalMessage', onInternalMessage);
    unregister();
  };
}

function watchParentPid(exit: (source: string) => void, pollInterval: number): () => void {
  const parent = process.ppid;
  let reporting: NodeJS.Immediate | undefined;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    // A dying parent's IPC socket is closed before its children are
    // re-parented, but timers run before the loop reads I/O: report one turn
    // later, so that with an IPC channel its 'disconnect' (the same death)
    // names the cause, whichever of the two the loop saw first.
    reporting = setImmediate(() => exit(`the parent process (pid ${parent}) exited`));
  }, pollInterval);
  timer.unref();
  return () => {
    clearInterval(timer);
    if (reporting !== undefined) clearImmediate(reporting);
  };
}
