import type { Server } from 'node:net';

/**
 * Stops accepting new connections, leaving the open ones to the drain.
 *
 * `server.close()` does more than close the listener (node-platform-facts §7):
 * it calls `closeIdleConnections()`, which destroys every keep-alive socket
 * that looks idle at that instant, racing the client's next request already
 * on the wire (§7b); and on Node.js >= 24 an HTTP/2 server's `close()` calls
 * `close()` on every session at once, a single GOAWAY that refuses streams
 * the client may already have sent. The drain closes both kinds itself,
 * politely, so those two methods are shadowed on the instances for the
 * duration of this synchronous call. The rest of `close()` still happens:
 * the listener closes, the connections-checking interval stops, and
 * `'close'` is emitted once the last connection is gone.
 *
 * It is also called on a server that does not listen yet, unless it has
 * closed since it last listened: `listen()` with a host name binds only after
 * an address lookup, on a later tick, and `close()` is what cancels such a
 * pending listen (a drain must leave no listener behind, whatever the timing:
 * issue 9, defect 12). On a server that was never told to listen, it only
 * emits `'close'`, as Node.js's own `close()` does.
 *
 * `closeIdleLeftovers`: let Node.js close idle connections the tracker does
 * not know (tracking started after they were accepted).
 */
export function stopAccepting(server: Server, sessions: Iterable<object>, closeIdleLeftovers: boolean, alreadyClosed: boolean): void {
  if (!server.listening && alreadyClosed) return;
  const restores: Array<() => void> = [];
  if (!closeIdleLeftovers) restores.push(shadow(server, 'closeIdleConnections'));
  for (const session of sessions) restores.push(shadow(session, 'close'));
  try {
    server.close();
  } finally {
    for (const restore of restores) restore();
  }
}

/** Replaces `object[method]` by a no-op on the instance; returns what puts it back. */
function shadow(object: object, method: string): () => void {
  const target = object as Record<string, unknown>;
  const own = Object.getOwnPropertyDescriptor(target, method);
  Object.defineProperty(target, method, { value: () => {}, configurable: true, writable: true });
  return () => {
    if (own === undefined) delete target[method];
    else Object.defineProperty(target, method, own);
  };
}
