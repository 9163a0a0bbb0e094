import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Http1Connection } from './connection-tracker.js';

/**
 * Ends the response cycle on a busy HTTP/1 connection without a race: the
 * response to its newest request carries `Connection: close`, so the client
 * itself stops reusing the socket and Node.js closes it once that response
 * is sent (node-platform-facts §7, "remedy"; §7b: the only zero-loss pattern
 * measured). When a client pipelines, only the newest response may say
 * close: Node.js drops the socket after it, with any later response queued.
 * Returns false when the newest response has already sent its head (keep-alive
 * committed): the connection then closes when it goes idle.
 */
export function closeAfterNewestResponse(connection: Http1Connection): boolean {
  const { responses } = connection;
  for (let index = 0; index < responses.length - 1; index++) {
    const older = responses[index]!;
    if (MARKED.has(older) && !older.headersSent) {
      older.removeHeader('connection');
      MARKED.delete(older);
    }
  }
  const newest = responses.at(-1);
  if (newest === undefined || newest.headersSent) return false;
  newest.setHeader('connection', 'close');
  MARKED.add(newest);
  return true;
}

/** Responses that carry our `Connection: close`, so a newer pipelined request can take it over. */
const MARKED = new WeakSet<ServerResponse>();

/** True for a response whose `Connection: close` the drain set and can still move to a newer request. */
export function isRetractableClose(response: ServerResponse): boolean {
  return MARKED.has(response) && !response.headersSent;
}

/** True once the socket is being closed (a `Connection: close` response ended it, or we did). */
export function isClosing(socket: Socket): boolean {
  return socket.destroyed || socket.writableEnded;
}

/**
 * Closes an idle socket with a FIN, never a reset. A plain TCP socket is
 * destroyed: with nothing unread and nothing unsent, close(2) sends a FIN and
 * leaves no moment in which a racing request could be read and processed
 * with nowhere to answer. A TLS socket first sends its close_notify alert
 * (`end()`), then is destroyed once that is written (so is a socket with
 * bytes still queued).
 */
export function closeIdleSocket(socket: Socket): void {
  if (socket.destroyed) return;
  if (!('encrypted' in socket) && socket.writableLength === 0) {
    socket.destroy();
    return;
  }
  if (!socket.writableEnded) socket.end();
  if (socket.writableFinished) socket.destroy();
  else socket.once('finish', () => socket.destroy());
}

/**
 * Calls `callback` after the event loop has polled for I/O at least once
 * from now. A request already in this host's receive buffer is read (and its
 * `'request'` emitted) in that poll phase, so a connection still idle
 * afterwards had nothing waiting: closing it cannot cut a request that has
 * arrived. Two `setImmediate` hops: called from the poll phase, one hop would
 * run in the same loop turn, before the next poll.
 */
export function afterNextPoll(callback: () => void): void {
  setImmediate(() => setImmediate(callback));
}
