import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { describeValue } from '../describe-value.js';
import { debugLog } from '../index.js';

/** The parts of a `ws` WebSocketServer (or a compatible one) the drain uses. */
export interface WebSocketServerLike {
  /** The connected clients; `ws` keeps it unless created with `clientTracking: false`. */
  readonly clients: Iterable<{ close(code?: number, reason?: string): void }>;
  on(event: 'connection', listener: (client: { close(code?: number, reason?: string): void }) => void): unknown;
  removeListener(event: 'connection', listener: (...args: any[]) => void): unknown;
}

/**
 * Starts a graceful close of one upgraded socket, e.g. by writing a protocol's
 * close message. It should not wait for the close to complete: the drain
 * waits for the socket's `'close'` event and destroys it at the timeout.
 */
export type CloseUpgraded = (socket: Duplex, request: IncomingMessage) => void;

/** WebSocket close code 1001, "going away": the server is shutting down (RFC 6455 §7.4.1). */
const GOING_AWAY = 1001;
const GOING_AWAY_REASON = 'going away';

/** Sends a close frame 1001 to every client of each WebSocket server. */
export function closeWebSocketClients(servers: readonly WebSocketServerLike[]): void {
  for (const server of servers) {
    for (const client of server.clients) closeWebSocketClient(client);
  }
}

/** Closes clients that connect while the drain runs (their upgrade request was already on its way). */
export function closeNewWebSocketClients(servers: readonly WebSocketServerLike[]): () => void {
  for (const server of servers) server.on('connection', closeWebSocketClient);
  return () => {
    for (const server of servers) server.removeListener('connection', closeWebSocketClient);
  };
}

function closeWebSocketClient(client: { close(code?: number, reason?: string): void }): void {
  try {
    client.close(GOING_AWAY, GOING_AWAY_REASON);
  } catch (error) {
    debugLog(() => `closing a WebSocket client failed: ${(error as Error).message}`);
  }
}

/**
 * An upgraded socket at the start of the drain (or upgraded during it):
 * the `closeUpgraded` hook decides how it closes; without one, and with no
 * WebSocket server to close it, the socket is ended (the peer sees the TCP
 * connection close; a WebSocket client reports 1006).
 */
export function closeUpgradedSocket(
  socket: Duplex,
  request: IncomingMessage,
  closeUpgraded: CloseUpgraded | undefined,
  hasWebSocketServers: boolean,
): void {
  if (closeUpgraded !== undefined) {
    try {
      closeUpgraded(socket, request);
    } catch (error) {
      debugLog(() => `closeUpgraded threw ${(error as Error).message}; ending the socket`);
      socket.end();
    }
  } else if (!hasWebSocketServers) {
    socket.end();
  }
}

/** Validates the `webSockets` option: one WebSocket server or an array of them. */
export function validateWebSocketServers(value: unknown, parameter: string): WebSocketServerLike[] {
  const list = Array.isArray(value) ? value : [value];
  list.forEach((server, index) => {
    const candidate = server as Partial<WebSocketServerLike> | null;
    if (
      typeof server !== 'object' ||
      candidate === null ||
      typeof (candidate.clients as Iterable<unknown> | undefined)?.[Symbol.iterator] !== 'function' ||
      typeof candidate.on !== 'function'
    ) {
      const name = Array.isArray(value) ? `${parameter}[${index}]` : parameter;
      throw new TypeError(`${name} must be a WebSocket server with a 'clients' set (ws's WebSocketServer), got ${describeValue(server)}`);
    }
  });
  return list as WebSocketServerLike[];
}
