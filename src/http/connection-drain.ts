import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeAfterNewestResponse, isClosing } from './close-politely.js';
import { IdleConnectionCloser } from './close-idle-connections.js';
import type { ConnectionObserver, ConnectionTracker, Http1Connection, TrackedConnection, UpgradedConnection } from './connection-tracker.js';
import { closeQuietConnections, destroyConnections } from './cut-connections.js';
import { routeOfRequest } from './drain-report.js';
import type { CutRequest, DrainReport } from './drain-report.js';
import type { IdleKeepAlive } from './drain-options.js';
import { goAwayGracefully } from './http2-goaway.js';
import { withholdRequestsAfterClose } from './requests-after-close.js';
import { stopAccepting } from './stop-accepting.js';
import { closeNewWebSocketClients, closeUpgradedSocket, closeWebSocketClients } from './upgraded-connections.js';
import type { CloseUpgraded, WebSocketServerLike } from './upgraded-connections.js';
import { debugLog } from '../index.js';

/** How one drain runs; every value already validated and defaulted. */
export interface DrainSettings {
  /** Milliseconds from the start of the drain until the remaining connections are destroyed. */
  readonly timeout: number;
  /** Milliseconds a connection that has not sent a request must have been idle before it is closed. */
  readonly idleGrace: number;
  /** Whether idle keep-alive connections that have carried requests are left to their clients. */
  readonly idleKeepAlive: IdleKeepAlive;
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
 * order: stop accepting; close connections that never sent a request once
 * idle for `idleGrace`; let busy ones finish with `Connection: close`; leave
 * idle keep-alive connections to their clients (`idleKeepAlive: 'wait'`) or
 * close them after `idleGrace` (`'close'`); send HTTP/2 sessions a GOAWAY and
 * WebSocket clients a close frame; resolve the moment the last connection
 * closes (every step is driven by a connection's own events: no polling). At
 * the timeout, close idle keep-alive connections with a FIN and destroy what
 * is left. Resolves with the report in every case; its `outcome` says whether
 * anything was cut.
 */
export function drainConnections(tracker: ConnectionTracker, settings: DrainSettings): Promise<DrainReport> {
  return new ConnectionDrain(tracker, settings).run();
}

/** After closing idle connections at the timeout: how long a TLS one may take to send its close_notify. */
const FINAL_CLOSE_MS = 100;

class ConnectionDrain implements ConnectionObserver {
  private readonly startedAt = performance.now();
  private connectionsAtStart = 0;
  private requestsCompleted = 0;
  /** Closes idle HTTP/1 connections as the idle policy says. */
  private readonly idleCloser: IdleConnectionCloser;
  private timeoutTimer: NodeJS.Timeout | undefined;
  private stopClosingNewWebSocketClients: () => void = () => {};
  private stopWithholdingRequests: () => void = () => {};
  /** With lateStart: connections the tracker never saw keep the server open until its 'close' event. */
  private serverClosed: boolean;
  private finished = false;
  private resolve!: (report: DrainReport) => void;

  constructor(
    private readonly tracker: ConnectionTracker,
    private readonly settings: DrainSettings,
  ) {
    this.serverClosed = !settings.lateStart || !tracker.target.server.listening;
    this.idleCloser = new IdleConnectionCloser(tracker.connections, settings.idleGrace, settings.idleKeepAlive);
  }

  run(): Promise<DrainReport> {
    const promise = new Promise<DrainReport>((resolve) => (this.resolve = resolve));
    const { tracker, settings } = this;
    const { connections } = tracker;
    const { server } = tracker.target;
    this.connectionsAtStart = connections.size;
    tracker.observer = this;
    if (!this.serverClosed) server.once('close', this.onServerClose);
    this.stopWithholdingRequests = withholdRequestsAfterClose(server, this.http1ConnectionOf, this.onRequestWithheld);
    server.on('listening', this.onListening);
    const sessions = [...connections.values()].flatMap((connection) => (connection.kind === 'http2' ? [connection.session] : []));
    stopAccepting(server, sessions, settings.lateStart, tracker.hasClosed);
    debugLog(() => `drain: stopped accepting; ${describeConnections(connections.values())}`);
    closeWebSocketClients(settings.webSockets);
    this.stopClosingNewWebSocketClients = closeNewWebSocketClients(settings.webSockets);
    for (const connection of [...connections.values()]) this.startClosing(connection);
    if (settings.signal?.aborted) {
      this.cut('aborted');
    } else {
      settings.signal?.addEventListener('abort', this.onAbort, { once: true });
      // Ref'd on purpose: it guarantees the drain settles even if every socket was unref'd.
      this.timeoutTimer = setTimeout(this.onTimeout, settings.timeout);
      this.finishIfDone();
    }
    return promise;
  }

  // ── Closing each kind of connection ──────────────────────────────────────

  private startClosing(connection: TrackedConnection): void {
    switch (connection.kind) {
      case 'http1':
        // A busy connection closes after its response; an idle one as the idle policy says.
        if (connection.responses.length > 0) closeAfterNewestResponse(connection);
        else this.idleCloser.schedule(connection);
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

  // ── Events from the tracker ──────────────────────────────────────────────

  connectionOpened(connection: TrackedConnection): void {
    this.startClosing(connection);
  }

  requestStarted(connection: Http1Connection, _response: ServerResponse): void {
    // A request on an open connection during the drain is served, with `Connection: close`.
    this.idleCloser.cancel(connection);
    closeAfterNewestResponse(connection);
  }

  requestEnded(completed: boolean): void {
    if (completed) this.requestsCompleted++;
  }

  connectionIdle(connection: Http1Connection): void {
    // After a `Connection: close` response Node.js is already ending the socket.
    if (!isClosing(connection.socket)) this.idleCloser.schedule(connection);
  }

  connectionUpgraded(connection: UpgradedConnection): void {
    this.startClosing(connection);
  }

  connectionClosed(connection: TrackedConnection): void {
    if (connection.kind === 'http1') this.idleCloser.cancel(connection);
    this.finishIfDone();
  }

  private readonly onServerClose = (): void => {
    this.serverClosed = true;
    this.finishIfDone();
  };

  private readonly onAbort = (): void => this.cut('aborted');

  private readonly http1ConnectionOf = (socket: object): Http1Connection | undefined => {
    const connection = this.tracker.connections.get(socket);
    return connection?.kind === 'http1' ? connection : undefined;
  };

  private readonly onRequestWithheld = (request: IncomingMessage): void => {
    const { method, route } = routeOfRequest(request, 'http/1.1');
    debugLog(() => `drain: did not run ${method} ${route}, pipelined after a response that closes its connection (the client may retry it)`);
  };

  /**
   * listen() called during the drain (or a pending one Node.js did not
   * cancel): stop accepting again, before the event loop can accept, after
   * the other `'listening'` listeners (they may read `address()`).
   */
  private readonly onListening = (): void => {
    debugLog(() => `drain: the server started listening during the drain; closing it again`);
    process.nextTick(() => stopAccepting(this.tracker.target.server, [], this.settings.lateStart, false));
  };

  // ── The end ──────────────────────────────────────────────────────────────

  private finishIfDone(): void {
    if (!this.finished && this.tracker.connections.size === 0 && this.serverClosed) this.finish('drained', [], 0);
  }

  /**
   * The drain's budget is over: idle keep-alive connections whose clients
   * never came back are closed with a FIN. If only they were left, the drain
   * ends as drained once they have closed; anything else is destroyed and
   * reported.
   */
  private readonly onTimeout = (): void => {
    if (this.finished) return;
    const { connections } = this.tracker;
    const { closed, othersLeft } = closeQuietConnections(connections);
    if (closed > 0) debugLog(() => `drain: timeout; closed ${closed} idle keep-alive connection(s) their clients never came back to`);
    if (othersLeft || connections.size === 0 || this.settings.lateStart) {
      this.cut('timed-out');
      return;
    }
    // TLS connections first send their close_notify: give them a moment, then end the drain regardless.
    this.timeoutTimer = setTimeout(() => this.cut('timed-out'), FINAL_CLOSE_MS);
  };

  /** The timeout (or a forced exit): destroy what is left, naming every request cut. */
  private cut(outcome: 'timed-out' | 'aborted'): void {
    if (this.finished) return;
    const { connections, target } = this.tracker;
    const { requestsCut, connectionsDestroyed } = destroyConnections(connections);
    // Connections Node.js knows and the tracker does not (tracking started late).
    if (this.settings.lateStart) (target.server as { closeAllConnections?: () => void }).closeAllConnections?.();
    // Only idle connections were left, closed with a FIN at the timeout: nothing was lost.
    const onlyIdleLeft = outcome === 'timed-out' && requestsCut.length === 0 && connectionsDestroyed === 0 && !this.settings.lateStart;
    this.finish(onlyIdleLeft ? 'drained' : outcome, requestsCut, connectionsDestroyed);
  }

  private finish(outcome: DrainReport['outcome'], requestsCut: CutRequest[], connectionsDestroyed: number): void {
    this.finished = true;
    if (this.timeoutTimer !== undefined) clearTimeout(this.timeoutTimer);
    this.idleCloser.stop();
    this.stopClosingNewWebSocketClients();
    this.stopWithholdingRequests();
    this.settings.signal?.removeEventListener('abort', this.onAbort);
    this.tracker.target.server.removeListener('close', this.onServerClose);
    this.tracker.target.server.removeListener('listening', this.onListening);
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
