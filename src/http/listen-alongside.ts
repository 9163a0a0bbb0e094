import type { EventEmitter } from 'node:events';

/**
 * Keeps `listener` on `event`, first in line, exactly while some other
 * listener is there too. For events whose mere listener count changes what
 * Node.js does: with an `'upgrade'` listener, a request carrying `Upgrade:` is
 * handed to `'upgrade'` instead of `'request'`, and a `'request'` listener on
 * an HTTP/2 server switches on the compatibility API. Tracking must never be
 * what flips those switches. Returns a function that stops it.
 */
export function listenAlongside(emitter: EventEmitter, event: string, listener: (...args: any[]) => void): () => void {
  let attached = false;
  const attach = (): void => {
    if (attached) return;
    attached = true;
    emitter.prependListener(event, listener);
  };
  const detach = (): void => {
    if (!attached) return;
    attached = false;
    emitter.removeListener(event, listener);
  };
  // 'newListener' fires before the new listener is added: ours lands in front of it.
  const onNewListener = (name: string | symbol, added: unknown): void => {
    if (name === event && added !== listener) attach();
  };
  const onRemoveListener = (name: string | symbol, removed: unknown): void => {
    if (name !== event) return;
    if (removed === listener) attached = false; // removeAllListeners(event) took ours too
    else if (attached && emitter.listenerCount(event) === 1) detach();
  };
  if (emitter.listenerCount(event) > 0) attach();
  emitter.on('newListener', onNewListener);
  emitter.on('removeListener', onRemoveListener);
  return () => {
    emitter.removeListener('newListener', onNewListener);
    emitter.removeListener('removeListener', onRemoveListener);
    detach();
  };
}
