import { afterNextPoll, closeIdleSocket, isClosing } from './close-politely.js';
import type { Http1Connection, TrackedConnection } from './connection-tracker.js';
import type { IdleKeepAlive } from './drain-options.js';
import { debugLog } from '../index.js';

/**
 * The drain's idle policy for HTTP/1 connections with no request in progress.
 *
 * Closing an idle keep-alive connection races with the client's next
 * request, which may already be on the wire (node-platform-facts §7b), and
 * a proxy's pool picks a connection idle for seconds at any moment (issue 9,
 * defect 14). So by default (`idleKeepAlive: 'wait'`) a connection that has
 * carried requests is left to its client: its next request is answered with
 * `Connection: close`. A connection that never sent a request (a
 * pre-connection), and with `'close'` any idle one, is closed once it has
 * been idle for `idleGrace`, after a poll that reads a request already here.
 */
export class IdleConnectionCloser {
  /** Idle HTTP/1 connections waiting for their idle grace to end. */
  private readonly idleTimers = new Map<Http1Connection, NodeJS.Timeout>();
  /** Idle HTTP/1 connections to close after the next poll phase. */
  private readonly idleToClose = new Set<Http1Connection>();
  private stopped = false;

  constructor(
    /** The tracker's connections: one closed or replaced meanwhile is not closed again. */
    private readonly connections: ReadonlyMap<object, TrackedConnection>,
    private readonly idleGrace: number,
    private readonly idleKeepAlive: IdleKeepAlive,
  ) {}

  /** Closes `connection` as the idle policy says, unless a request arrives first (then call `cancel()`). */
  schedule(connection: Http1Connection): void {
    this.cancel(connection);
    if (isClosing(connection.socket)) return;
    if (connection.hasCarriedRequests && this.idleKeepAlive === 'wait') return;
    const wait = connection.idleSince + this.idleGrace - performance.now();
    if (wait <= 0) {
      this.closeAfterPoll(connection);
      return;
    }
    const timer = setTimeout(() => {
      this.idleTimers.delete(connection);
      this.closeAfterPoll(connection);
    }, wait);
    timer.unref();
    this.idleTimers.set(connection, timer);
  }

  cancel(connection: Http1Connection): void {
    const timer = this.idleTimers.get(connection);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.idleTimers.delete(connection);
    }
    this.idleToClose.delete(connection);
  }

  /** The drain is over: close nothing more. */
  stop(): void {
    this.stopped = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    this.idleToClose.clear();
  }

  private closeAfterPoll(connection: Http1Connection): void {
    if (this.idleToClose.size === 0) afterNextPoll(this.closeIdleConnections);
    this.idleToClose.add(connection);
  }

  private readonly closeIdleConnections = (): void => {
    const closing = [...this.idleToClose];
    this.idleToClose.clear();
    if (this.stopped) return;
    let closed = 0;
    for (const connection of closing) {
      // Still idle after the poll, and nothing arriving: no request of this client has reached us.
      if (!isQuiet(this.connections, connection)) continue;
      closeIdleSocket(connection.socket);
      closed++;
    }
    if (closed > 0) debugLog(() => `drain: closed ${closed} idle connection(s)`);
  };
}

/**
 * An open HTTP/1 connection with no request in progress and no byte of a
 * new one received: one a client is sending headers on in pieces is never
 * closed for being idle (it is served once complete, or cut at the timeout).
 */
export function isQuiet(connections: ReadonlyMap<object, TrackedConnection>, connection: Http1Connection): boolean {
  return (
    connections.get(connection.socket) === connection &&
    connection.responses.length === 0 &&
    connection.socket.bytesRead === connection.bytesReadWhenIdle
  );
}
