// Real clients for the HTTP tests: node:http agents with keep-alive, raw
// sockets, node:http2 sessions. Every call settles: errors are values.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import net from 'node:net';
import { takeResponses } from '../../bench/lib/http1-responses.mjs';

const tlsDir = new URL('../fixtures/tls/', import.meta.url);
/** Self-signed certificate for 127.0.0.1 (test/fixtures/tls). */
export const tls = {
  key: readFileSync(new URL('localhost-key.pem', tlsDir)),
  cert: readFileSync(new URL('localhost-cert.pem', tlsDir)),
};

/** Listens on 127.0.0.1, on a free port; resolves with the port. */
export async function listen(server) {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server.address().port;
}

/**
 * GET (or another method) through `agent` (keep-alive), resolving with
 * { status, connection, body, reusedSocket, socket, error, endedAt }.
 * `socket` is the client socket, to watch it close.
 */
export function request(port, path, { agent, method = 'GET', secure = false, headers = {}, onSocket } = {}) {
  const client = secure ? https : http;
  return new Promise((resolve) => {
    const req = client.request({ host: '127.0.0.1', port, path, method, agent, headers, ...(secure ? { ca: tls.cert } : {}) });
    req.on('socket', (socket) => onSocket?.(socket));
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode, connection: res.headers.connection, body, reusedSocket: req.reusedSocket, socket: req.socket, endedAt: performance.now() }),
      );
      res.on('error', (error) => resolve({ error: error.code ?? error.message, body }));
    });
    req.on('error', (error) => resolve({ error: error.code ?? error.message, reusedSocket: req.reusedSocket }));
    req.end();
  });
}

/** Watches a client socket: resolves { errors, hadError } when it closes. */
export function watchSocket(socket) {
  const errors = [];
  socket.on('error', (error) => errors.push(error.code ?? error.message));
  return new Promise((resolve) => socket.once('close', (hadError) => resolve({ errors, hadError })));
}

/** A raw TCP connection; resolves once connected. */
export async function connectRaw(port) {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  return socket;
}

/** Resolves when `server` has emitted `event` `count` times in total (counting from now). */
export function waitForEvents(emitter, event, count) {
  return new Promise((resolve) => {
    let seen = 0;
    const listener = () => {
      if (++seen === count) {
        emitter.removeListener(event, listener);
        resolve();
      }
    };
    emitter.on(event, listener);
  });
}

/** An HTTP/2 request on `session`: resolves { status, body, error, endedAt }. */
export function h2request(session, path) {
  return new Promise((resolve) => {
    const stream = session.request({ ':path': path });
    let status;
    let body = '';
    stream.setEncoding('utf8');
    stream.on('response', (headers) => (status = headers[':status']));
    stream.on('data', (chunk) => (body += chunk));
    stream.on('end', () => resolve({ status, body, endedAt: performance.now() }));
    stream.on('error', (error) => resolve({ error: error.code ?? error.message, body }));
    stream.end();
  });
}

/** Connects an HTTP/2 client session to 127.0.0.1 (secure with the test certificate). */
export async function h2connect(port, { secure = false } = {}) {
  const session = http2.connect(`${secure ? 'https' : 'http'}://127.0.0.1:${port}`, secure ? { ca: tls.cert } : {});
  const goaways = [];
  session.on('goaway', (code, lastStreamID) => goaways.push({ code, lastStreamID }));
  session.on('error', () => {});
  await once(session, 'connect');
  return { session, goaways, closed: once(session, 'close') };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Reads everything a raw socket receives until it closes, and splits it into
 * HTTP/1.1 responses (Content-Length bodies only: the test servers send those).
 * Resolves { responses: [{ status, connection, body }], rest, errors }:
 * `rest` is what could not be parsed (a truncated response), `errors` the
 * socket errors (a reset is 'ECONNRESET').
 */
export function readResponses(socket) {
  let received = Buffer.alloc(0);
  const errors = [];
  socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])));
  socket.on('error', (error) => errors.push(error.code ?? error.message));
  return new Promise((resolve) =>
    socket.once('close', () => {
      const { responses, rest } = takeResponses(received);
      resolve({ responses, rest: rest.toString('latin1'), errors });
    }),
  );
}

