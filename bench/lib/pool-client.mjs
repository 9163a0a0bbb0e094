// A client that imitates a reverse proxy's upstream keep-alive pool (nginx's
// `upstream { keepalive N; }`, HAProxy's `http-reuse`): it holds many
// keep-alive connections, each warmed by one request, and sends the next
// request on whichever connection the caller picks, the moment it picks it,
// however long that connection has been idle. Like such a pool, it does not
// know that the server is draining: it learns that a connection is going
// away only from a `Connection: close` response or from the FIN itself.
// Used by the pool-race tests and benchmarks.
import net from 'node:net';
import { takeResponses } from './http1-responses.mjs';

/**
 * Opens `connections` connections to 127.0.0.1:`port` and sends one
 * `GET warmPath` on each. Resolves once every one has its response, with
 * { connections, send, closeIdle, close }:
 * - `connections[i]`: { socket, localPort, idleSince, usable, pending };
 * - `send(i, { method, path, body })` writes a request on connection i at
 *   once (synchronously) and resolves { status, connection, body } or
 *   { error } ('ECONNRESET', 'closed without a response', or
 *   'not usable' when the pool already knew it was going away);
 * - `closeIdle()` ends every connection with nothing pending (a pool evicting
 *   its idle connections), `close()` destroys them all.
 */
export async function createPool(port, { connections: count = 16, warmPath = '/' } = {}) {
  const connections = await Promise.all(Array.from({ length: count }, () => openConnection(port)));
  const warmed = await Promise.all(connections.map((connection) => sendOn(connection, { path: warmPath })));
  const failed = warmed.filter((reply) => reply.error !== undefined);
  if (failed.length > 0) throw new Error(`the pool could not warm its connections: ${failed.map((reply) => reply.error).join(', ')}`);
  return {
    connections,
    send: (index, request) => sendOn(connections[index], request),
    closeIdle() {
      for (const connection of connections) if (connection.pending.length === 0 && !connection.socket.destroyed) connection.socket.end();
    },
    close() {
      for (const connection of connections) connection.socket.destroy();
    },
  };
}

function openConnection(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const connection = { socket, localPort: 0, idleSince: performance.now(), usable: true, pending: [], errors: [], received: Buffer.alloc(0) };
    socket.on('error', (error) => connection.errors.push(error.code ?? error.message));
    socket.on('data', (chunk) => onData(connection, chunk));
    socket.on('end', () => (connection.usable = false));
    socket.on('close', () => {
      connection.usable = false;
      const reason = connection.errors[0] ?? 'closed without a response';
      for (const waiter of connection.pending.splice(0)) waiter.resolve({ error: reason, sentAt: waiter.sentAt });
    });
    socket.once('connect', () => {
      connection.localPort = socket.localPort;
      resolve(connection);
    });
    socket.once('error', reject);
  });
}

function sendOn(connection, { method = 'GET', path = '/', body } = {}) {
  if (!connection.usable || connection.socket.destroyed) return Promise.resolve({ error: 'not usable' });
  const payload = body === undefined ? '' : String(body);
  const head = `${method} ${path} HTTP/1.1\r\nHost: pool\r\n${method === 'GET' ? '' : `Content-Length: ${Buffer.byteLength(payload)}\r\n`}\r\n`;
  return new Promise((resolve) => {
    connection.pending.push({ resolve, sentAt: performance.now() });
    connection.socket.write(head + payload);
  });
}

/** Parses responses (Content-Length bodies) and hands each to the oldest pending request. */
function onData(connection, chunk) {
  const { responses, rest } = takeResponses(Buffer.concat([connection.received, chunk]));
  connection.received = rest;
  for (const reply of responses) {
    // A pool stops reusing a connection whose response said close.
    if (/\bclose\b/i.test(reply.connection ?? '')) connection.usable = false;
    const waiter = connection.pending.shift();
    connection.idleSince = performance.now();
    waiter?.resolve({ ...reply, sentAt: waiter.sentAt });
  }
}

/**
 * The worst moment for a server to close an idle pooled connection: arms
 * `server` so that whenever it starts closing (destroy, end, destroySoon) the
 * server side of a connection the pool holds idle, the pool sends a request
 * on it in that same instant, before the server's close proceeds and before
 * the pool can have seen any FIN. Returns how many times it fired.
 */
export function sendWhenServerCloses(server, pool, request = { path: '/' }) {
  const byPort = new Map(pool.connections.map((connection, index) => [connection.localPort, index]));
  const fired = { count: 0, replies: [] };
  const arm = (socket) => {
    const index = byPort.get(socket.remotePort);
    if (index === undefined) return;
    for (const method of ['destroy', 'end', 'destroySoon']) {
      const original = socket[method];
      socket[method] = function (...args) {
        const connection = pool.connections[index];
        if (connection.usable && connection.pending.length === 0) {
          fired.count++;
          fired.replies.push(pool.send(index, request));
        }
        return original.apply(this, args);
      };
    }
  };
  for (const socket of serverSockets(server)) arm(socket);
  return fired;
}

/** The server-side sockets of `server`'s open connections (it must have been given a 'connection' spy). */
function serverSockets(server) {
  return server[SOCKETS] ?? [];
}

const SOCKETS = Symbol('pool-client.serverSockets');

/** Records the server-side socket of every connection `server` accepts from now on (call before the pool connects). */
export function recordServerSockets(server) {
  server[SOCKETS] = [];
  server.on('connection', (socket) => server[SOCKETS].push(socket));
}
