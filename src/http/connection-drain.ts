import type { ServerResponse } from 'node:http';
import { afterNextPoll, closeAfterNewestResponse, closeIdleSocket, isClosing } from './close-politely.js';
import type { ConnectionObserver, ConnectionTracker, Http1Connection, TrackedConnection, UpgradedConnection } from './connection-tracker.js';
import { routeOfRequest, routeOfStream } from './drain-report.js';
import type { CutRequest, DrainReport } from './drain-report.js';
import { goAwayGracefully } from './http2-goaway.js';
import { stopAccepting } from './stop-accepting.js';
import { closeNewWebSocketClients, closeUpgradedSocket, closeWebSocketClients } from './upgraded-connections.js';
import type { CloseUpgraded, WebSocketServerLike } from './upgraded-connections.js';
import { debugLog } from '../index.js';

/** How one drain runs; every value already validated and defaulted. */
export interface DrainSettings {
  /** Milliseconds from the start of the drain until the remaining connections are destroyed. */
  readonly timeout: number;
  /** Milliseconds an HTTP/1 connection must have been idle before it is closed. */
  readonly idleGrace: number;
  readonly webSockets: readonly WebSocketServerLike[];
  readonly closeUpgraded: CloseUpgraded | undefined;
  /** Aborting it destroys the remaining connections at once (the exit was forced). */
  readonly signal: AbortSignal | undefined;
  /** For the report: the delay already waited. */
  readonly delayMs: number;
  /** Tracking started just now: Node.js closes the idle connections it knows and the tracker does not. */
  readonly lateStart: boolean;
}

/**
 * Drains the connections of a tracked server, in Go's `Server.Shutdown`
 * order: stop accepting; close idle connections (those idle for
 * `idleGrace`); let busy ones finish with `Connection: close`; send HTTP/2
 * sessions a GOAWAY and WebSocket clients a close frame; resolve the moment
 * the last connection closes (every step is driven by a connection's own
 * events: no polling). At the timeout, destroy what is left. Resolves with
 * the report in every case; its `outcome` says whether anything was cut.
 */
export function drainConnections(tracker: ConnectionTracker, settings: DrainSettings): Promise<DrainReport> {
  return new ConnectionDrain(tracker, settings).run();
}

class ConnectionDrain implements ConnectionObserver {
  private readonly startedAt = performance.now();
  private connectionsAtStart = 0;
  private requestsCompleted = 0;
  /** Idle HTTP/1 connections waiting for their idle grace to end. */
  private readonly idleTimers = new Map<Http1Connection, NodeJS.Timeout>();
  /** Idle HTTP/1 connections to close after the next poll phase. */
  private readonly idleToClose = new Set<Http1Connection>();
  private timeoutTimer: NodeJS.Timeout | undefined;
  private stopClosingNewWebSocketClients: () => void = () => {};
  /** With lateStart: connections the tracker never saw keep the server open until its 'close' event. */
  private serverClosed: boolean;
  private finished = false;
  private resolve!: (report: DrainReport) => void;

  constructor(
    private readonly tracker: ConnectionTracker,
    private readonly settings: DrainSettings,
  ) {
    this.serverClosed = !settings.lateStart || !tracker.target.server.listening;
  }

  run(): Promise<DrainReport> {
    const promise = new Promise<DrainReport>((resolve) => (this.resolve = resolve));
    const { tracker, settings } = this;
    const { connections } = tracker;
    const { server } = tracker.target;
    this.connectionsAtStart = connections.size;
    tracker.observer = this;
    if (!this.serverClosed) server.once('close', this.onServerClose);
    const sessions = [...connections.values()].flatMap((connection) => (connection.kind === 'http2' ? [connection.session] : []));
    stopAccepting(server, sessions, settings.lateStart);
    debugLog(() => `drain: stopped accepting; ${describeConnections(connections.values())}`);
    closeWebSocketClients(settings.webSockets);
    this.stopClosingNewWebSocketClients = closeNewWebSocketClients(settings.webSockets);
    for (const connection of [...connections.values()]) this.startClosing(connection);
    if (settings.signal?.aborted) {
      this.cut('aborted');
    } else {
      settings.signal?.addEventListener('abort', this.onAbort, { once: true });
      // Ref'd on purpose: it guarantees the drain settles even if every socket was unref'd.
      this.timeoutTimer = setTimeout(() => this.cut('timed-out'), settings.timeout);
      this.finishIfDone();
    }
    return promise;
  }

  // ── Closing each kind of connection ──────────────────────────────────────

  private startClosing(connection: TrackedConnection): void {
    switch (connection.kind) {
      case 'http1':
        // A busy connection closes after its response; an idle one after its idle grace.
        if (connection.responses.length > 0) closeAfterNewestResponse(connection);
        else this.scheduleIdleClose(connection);
        return;
      case 'upgraded':
        closeUpgradedSocket(connection.socket, connection.request, this.settings.closeUpgraded, this.settings.webSockets.length > 0);
        return;
      case 'http2': {
        // As for HTTP/1: a session idle for idleGrace has no stream on the way and gets
        // the final GOAWAY at once; others wait one PING round trip, at most until their idle grace ends.
        const { idleGrace } = this.settings;
        const wait = connection.streams.size > 0 ? idleGrace : connection.idleSince + idleGrace - performance.now();
        goAwayGracefully(connection.session, wait);
        return;
      }
    }
  }

  /**
   * An idle connection is closed only once it has been idle for `idleGrace`:
   * a client in the middle of a burst sends its next request well within it
   * (one round trip), and that request is answered with `Connection: close`
   * instead of racing a FIN (node-platform-facts §7b).
   */
  private scheduleIdleClose(connection: Http1Connection): void {
    this.cancelIdleClose(connection);
    if (isClosing(connection.socket)) return;
    const wait = connection.idleSince + this.settings.idleGrace - performance.now();
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

  private closeAfterPoll(connection: Http1Connection): void {
    if (this.idleToClose.size === 0) afterNextPoll(this.closeIdleConnections);
    this.idleToClose.add(connection);
  }

  private readonly closeIdleConnections = (): void => {
    const closing = [...this.idleToClose];
    this.idleToClose.clear();
    if (this.finished) return;
    for (const connection of closing) {
      // Still idle after the poll: no request of this client has reached us.
      if (this.tracker.connections.get(connection.socket) !== connection || connection.responses.length > 0) continue;
      closeIdleSocket(connection.socket);
    }
    if (closing.length > 0) debugLog(() => `drain: closed ${closing.length} idle connection(s)`);
  };

  private cancelIdleClose(connection: Http1Connection): void {
    const timer = this.idleTimers.get(connection);
    if (timer !== undefined) {
      clearTimeout(timer);
      this.idleTimers.delete(connection);
    }
    this.idleToClose.delete(connection);
  }

  // ── Events from the tracker ──────────────────────────────────────────────

  connectionOpened(connection: TrackedConnection): void {
    this.startClosing(connection);
  }

  requestStarted(connection: Http1Connection, _response: ServerResponse): void {
    // A request on an open connection during the drain is served, with `Connection: close`.
    this.cancelIdleClose(connection);
    closeAfterNewestResponse(connection);
  }

  requestEnded(completed: boolean): void {
    if (completed) this.requestsCompleted++;
  }

  connectionIdle(connection: Http1Connection): void {
    // After a `Connection: close` response Node.js is already ending the socket.
    if (!isClosing(connection.socket)) this.scheduleIdleClose(connection);
  }

  connectionUpgraded(connection: UpgradedConnection): void {
    this.startClosing(connection);
  }

  connectionClosed(connection: TrackedConnection): void {
    if (connection.kind === 'http1') this.cancelIdleClose(connection);
    this.finishIfDone();
  }

  private readonly onServerClose = (): void => {
    this.serverClosed = true;
    this.finishIfDone();
  };

  private readonly onAbort = (): void => this.cut('aborted');

  // ── The end ──────────────────────────────────────────────────────────────

  private finishIfDone(): void {
    if (!this.finished && this.tracker.connections.size === 0 && this.serverClosed) this.finish('drained', [], 0);
  }

  /** The timeout (or a forced exit): destroy what is left, naming every request cut. */
  private cut(outcome: 'timed-out' | 'aborted'): void {
    if (this.finished) return;
    const { connections, target } = this.tracker;
    const cut: CutRequest[] = [];
    const destroyed = connections.size;
    for (const connection of [...connections.values()]) {
      switch (connection.kind) {
        case 'http1':
          for (const response of connection.responses) cut.push(routeOfRequest(response.req, 'http/1.1'));
          connection.socket.destroy();
          break;
        case 'upgraded':
          cut.push(routeOfRequest(connection.request, 'upgraded'));
          connection.socket.destroy();
          break;
        case 'http2':
          for (const headers of connection.streams.values()) cut.push(routeOfStream(headers));
          connection.session.destroy();
          break;
      }
    }
    // Connections Node.js knows and the tracker does not (tracking started late).
    if (this.settings.lateStart) (target.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    this.finish(outcome, cut, destroyed);
  }

  private finish(outcome: DrainReport['outcome'], requestsCut: CutRequest[], connectionsDestroyed: number): void {
    this.finished = true;
    if (this.timeoutTimer !== undefined) clearTimeout(this.timeoutTimer);
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    this.idleToClose.clear();
    this.stopClosingNewWebSocketClients();
    this.settings.signal?.removeEventListener('abort', this.onAbort);
    this.tracker.target.server.removeListener('close', this.onServerClose);
    this.tracker.observer = undefined;
    const report: DrainReport = {
      server: this.tracker.serverName,
      outcome,
      delayMs: this.settings.delayMs,
      durationMs: performance.now() - this.startedAt,
      connectionsAtStart: this.connectionsAtStart,
      requestsCompleted: this.requestsCompleted,
      connectionsDestroyed,
      requestsCut,
    };
    debugLog(() => `drain: ${outcome} after ${report.durationMs.toFixed(1)} ms, ${report.requestsCompleted} request(s) completed, ${requestsCut.length} cut`);
    this.resolve(report);
  }
}

function describeConnections(connections: Iterable<TrackedConnection>): string {
  let busy = 0;
  let idle = 0;
  let upgraded = 0;
  let sessions = 0;
  for (const connection of connections) {
    if (connection.kind === 'http1') connection.responses.length > 0 ? busy++ : idle++;
    else if (connection.kind === 'upgraded') upgraded++;
    else sessions++;
  }
  return `${busy} busy and ${idle} idle HTTP/1 connection(s), ${sessions} HTTP/2 session(s), ${upgraded} upgraded`;
}
