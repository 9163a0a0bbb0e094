import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from 'node:http2';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { listenAlongside } from './listen-alongside.js';
import { describeServer, listeningAddress } from './server-target.js';
import type { ServerTarget } from './server-target.js';

/** An HTTP/1 connection: a TCP or TLS socket carrying requests one after another. */
export interface Http1Connection {
  readonly kind: 'http1';
  readonly socket: Socket;
  /**
   * Responses not yet ended, oldest first: several only when the client
   * pipelines. Replaced, never mutated by readers: an idle connection shares
   * one empty array rather than keeping its own.
   */
  responses: readonly ServerResponse[];
  /**
   * performance.now() when the connection last became idle: when it was
   * accepted (a connection that never sent a complete request is idle), or
   * when its last response ended.
   */
  idleSince: number;
  /**
   * False until its first request: a connection that never sent one is a
   * pre-connection (a browser opens them speculatively) or a silent client,
   * not a keep-alive connection a pool may pick for its next request.
   */
  hasCarriedRequests: boolean;
  /**
   * `socket.bytesRead` when it last became idle: more bytes since then mean a
   * request is arriving (headers sent in pieces). Read once per response
   * cycle, at its end: a connection never looks idle while a client sends.
   */
  bytesReadWhenIdle: number;
}

/** A socket handed to an `'upgrade'` listener (a WebSocket): HTTP no longer runs on it. */
export interface UpgradedConnection {
  readonly kind: 'upgraded';
  readonly socket: Duplex;
  readonly request: IncomingMessage;
}

/** An HTTP/2 session and its open streams with their request headers. */
export interface Http2Connection {
  readonly kind: 'http2';
  readonly session: ServerHttp2Session;
  readonly streams: Map<ServerHttp2Stream, IncomingHttpHeaders>;
  /** performance.now() when the session was created or its last open stream closed. */
  idleSince: number;
}

export type TrackedConnection = Http1Connection | UpgradedConnection | Http2Connection;

/** What every idle connection's `responses` is: one array for all, rather than one each. */
const NO_RESPONSES: readonly ServerResponse[] = Object.freeze([]);

/** On a response in progress: its connection. */
const CONNECTION = Symbol('farewell.connection');
type TrackedResponse = ServerResponse & { [CONNECTION]: Http1Connection };

/** What a drain learns from the tracker while it runs. */
export interface ConnectionObserver {
  /** A connection appeared (a TLS handshake or HTTP/2 session completed during the drain). */
  connectionOpened(connection: TrackedConnection): void;
  /** A request arrived on an HTTP/1 connection; `response` is the newest of `connection.responses`. */
  requestStarted(connection: Http1Connection, response: ServerResponse): void;
  /** A request ended: `completed` false when its connection closed before the response was sent. */
  requestEnded(completed: boolean): void;
  /** An HTTP/1 connection has no response in progress any more. */
  connectionIdle(connection: Http1Connection): void;
  /** An HTTP/1 connection was handed to an `'upgrade'` listener. */
  connectionUpgraded(connection: UpgradedConnection): void;
  connectionClosed(connection: TrackedConnection): void;
}

/**
 * Knows every connection of one server and what each is doing, the way Go's
 * `http.Server` keeps a state per connection (new, active, idle, hijacked).
 * It must start with the server: a connection accepted earlier is only
 * known once it sends a request. Tracking costs one `'close'` listener per
 * request and per connection (both shared functions); everything else
 * happens only during a drain.
 */
export class ConnectionTracker {
  /** Keyed by socket (HTTP/1, upgraded) or session (HTTP/2). */
  readonly connections = new Map<object, TrackedConnection>();
  /** Set while a drain runs. */
  observer: ConnectionObserver | undefined;
  /**
   * The server emitted `'close'` since it last listened (or since tracking
   * started): it neither listens nor is about to, and closing it again would
   * only emit a second `'close'`.
   */
  hasClosed = false;
  /** The address the server last listened on: still known after it stopped listening. */
  private address: string | undefined;
  private readonly stopListening: Array<() => void> = [];

  constructor(readonly target: ServerTarget) {
    const tracker = this;
    // Shared listeners rather than a closure per request or connection: at
    // thousands of idle keep-alive connections, the bytes add up.
    this.onResponseClose = function onResponseClose(this: TrackedResponse): void {
      tracker.onResponseClosed(this[CONNECTION], this);
    };
    this.onConnectionClose = function onConnectionClose(this: object): void {
      tracker.onClosed(this);
    };
    const { server } = target;
    const on = (event: string, listener: (...args: any[]) => void): void => {
      server.on(event, listener);
      this.stopListening.push(() => server.removeListener(event, listener));
    };
    this.address = listeningAddress(server);
    on('listening', () => {
      this.address = listeningAddress(server);
      this.hasClosed = false;
    });
    on('close', () => (this.hasClosed = true));
    if (target.protocol === 'http1') {
      on(target.secure ? 'secureConnection' : 'connection', this.onSocket);
      // First in line, so a response gets `Connection: close` before the application writes its head.
      server.prependListener('request', this.onRequest);
      this.stopListening.push(() => server.removeListener('request', this.onRequest));
    } else {
      on('session', this.onSession);
      // A secure HTTP/2 server with allowHTTP1 speaks HTTP/1.1 on sockets that did not negotiate h2.
      if (target.secure) on('secureConnection', this.onSecureSocketOfHttp2Server);
      this.stopListening.push(listenAlongside(server, 'request', this.onRequest));
    }
    this.stopListening.push(listenAlongside(server, 'upgrade', this.onUpgrade));
  }

  /** The server as messages and reports name it: `http://127.0.0.1:3000`. */
  get serverName(): string {
    return describeServer(this.target, this.address);
  }

  /** Removes the tracker's listeners from the server; connections already known stay known until they close. */
  stop(): void {
    for (const stop of this.stopListening.splice(0)) stop();
  }

  private readonly onSocket = (socket: Socket): void => {
    this.addHttp1Connection(socket);
  };

  private readonly onSecureSocketOfHttp2Server = (socket: Socket & { alpnProtocol?: string | false }): void => {
    if (socket.alpnProtocol !== 'h2') this.addHttp1Connection(socket);
  };

  private addHttp1Connection(socket: Socket): Http1Connection {
    const connection: Http1Connection = {
      kind: 'http1',
      socket,
      responses: NO_RESPONSES,
      idleSince: performance.now(),
      hasCarriedRequests: false,
      // A TLS socket has read its handshake already: count from here.
      bytesReadWhenIdle: socket.bytesRead,
    };
    this.connections.set(socket, connection);
    socket.on('close', this.onConnectionClose);
    this.observer?.connectionOpened(connection);
    return connection;
  }

  // The per-request path: one Map lookup, one array push, one listener. The
  // listener is shared (no closure per request) and finds its connection
  // through a symbol on the response.
  private readonly onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    // HTTP/2 requests of the compatibility API: their streams are tracked through the session.
    if (request.httpVersionMajor === 2) return;
    const socket = request.socket;
    // A connection accepted before tracking started becomes known with its first request.
    const connection = this.connections.get(socket) ?? this.addHttp1Connection(socket);
    if (connection.kind !== 'http1') return;
    connection.hasCarriedRequests = true;
    if (connection.responses.length === 0) connection.responses = [response];
    else (connection.responses as ServerResponse[]).push(response);
    (response as TrackedResponse)[CONNECTION] = connection;
    response.on('close', this.onResponseClose);
    this.observer?.requestStarted(connection, response);
  };

  /** Shared by every response of this server; `this` is the response (EventEmitter calls it so). */
  private readonly onResponseClose: (this: TrackedResponse) => void;
  /** Shared by every socket and HTTP/2 session of this server; `this` is the socket or session. */
  private readonly onConnectionClose: (this: object) => void;

  private onResponseClosed(connection: Http1Connection, response: ServerResponse): void {
    const responses = connection.responses as ServerResponse[];
    // Responses end in order (HTTP/1.1 answers in sequence): the closing one is almost always the only one.
    if (responses.length === 1 && responses[0] === response) connection.responses = NO_RESPONSES;
    else if (responses.includes(response)) responses.splice(responses.indexOf(response), 1);
    // 'close' follows 'finish' for a response that was fully sent; without it, the socket went away first.
    this.observer?.requestEnded(response.writableFinished);
    if (connection.responses.length === 0) {
      connection.idleSince = performance.now();
      connection.bytesReadWhenIdle = connection.socket.bytesRead;
      this.observer?.connectionIdle(connection);
    }
  }

  private readonly onUpgrade = (request: IncomingMessage, socket: Duplex): void => {
    const upgraded: UpgradedConnection = { kind: 'upgraded', socket, request };
    // The socket's 'close' listener is keyed by the socket, so it now removes the upgraded entry.
    if (!this.connections.has(socket)) socket.on('close', this.onConnectionClose);
    this.connections.set(socket, upgraded);
    this.observer?.connectionUpgraded(upgraded);
  };

  private readonly onSession = (session: ServerHttp2Session): void => {
    const connection: Http2Connection = { kind: 'http2', session, streams: new Map(), idleSince: performance.now() };
    this.connections.set(session, connection);
    session.on('stream', (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
      connection.streams.set(stream, headers);
      stream.once('close', () => {
        connection.streams.delete(stream);
        if (connection.streams.size === 0) connection.idleSince = performance.now();
        // NGHTTP2_NO_ERROR (0): the stream ended normally rather than being reset.
        this.observer?.requestEnded(stream.rstCode === 0);
      });
    });
    session.on('close', this.onConnectionClose);
    this.observer?.connectionOpened(connection);
  };

  private onClosed(key: object): void {
    const connection = this.connections.get(key);
    if (connection === undefined) return;
    this.connections.delete(key);
    this.observer?.connectionClosed(connection);
  }
}
