import { BroadcastChannel } from 'node:worker_threads';

/**
 * The stop protocol between a thread and the worker threads it created.
 *
 * Messages travel on a BroadcastChannel named {@link WORKER_STOP_CHANNEL},
 * never on the worker's own port, so the program's `parentPort` /
 * `worker.on('message')` handlers never see them. Every thread of the process
 * may open the channel; messages name the worker by its `threadId`, unique in
 * the process:
 *
 * - `{ type: 'stop', threadId }`: the creating thread asks worker `threadId`
 *   to stop (sent by `stopWorker()`).
 * - `{ type: 'listening', threadId }`: worker `threadId` has started to listen
 *   (sent by `exitWithParent()` inside the worker). A stop request sent before
 *   that would have been lost (BroadcastChannel does not queue for channels
 *   opened later), so the stopper sends it again on hearing this.
 *
 * The worker answers a stop request by starting its own exit sequence
 * (`requestExit`): `shutdownSignal` aborts, its hooks run, and its `exit()`
 * ends the thread. Both ends unref the channel: listening never keeps a
 * thread alive.
 */
export const WORKER_STOP_CHANNEL = 'farewell:worker-stop@1';

export type WorkerStopMessage = { readonly type: 'stop'; readonly threadId: number } | { readonly type: 'listening'; readonly threadId: number };

/**
 * Whether a BroadcastChannel message is one of the stop protocol's (other
 * senders may share the name). Own properties only: a message without them
 * must not take its `type` or `threadId` from a polluted Object.prototype.
 */
export function isWorkerStopMessage(value: unknown): value is WorkerStopMessage {
  if (typeof value !== 'object' || value === null || !Object.hasOwn(value, 'type') || !Object.hasOwn(value, 'threadId')) return false;
  const { type, threadId } = value as Record<string, unknown>;
  return (type === 'stop' || type === 'listening') && typeof threadId === 'number';
}

/** Opens the channel, unref'd, calling `onMessage` for protocol messages only. */
export function openWorkerStopChannel(onMessage: (message: WorkerStopMessage) => void): BroadcastChannel {
  const channel = new BroadcastChannel(WORKER_STOP_CHANNEL);
  channel.onmessage = (event: unknown) => {
    const data = (event as { data?: unknown }).data;
    if (isWorkerStopMessage(data)) onMessage(data);
  };
  channel.unref();
  return channel;
}
