import { EventEmitter } from 'node:events';
import { Server as NetServer } from 'node:net';
import { describeValue } from '../describe-value.js';

/** The parts of a Fastify instance the drain uses. */
export interface FastifyLike {
  readonly server: NetServer;
  close(): PromiseLike<unknown>;
  addHook(...args: any[]): unknown;
}

/** A server the drain can act on: what it was given, and the Node.js server underneath. */
export interface ServerTarget {
  readonly server: NetServer;
  /** `http2` for node:http2 servers (cleartext or secure, with or without the HTTP/1 fallback). */
  readonly protocol: 'http1' | 'http2';
  /** TLS: requests arrive on `'secureConnection'` sockets rather than `'connection'` ones. */
  readonly secure: boolean;
  /** Set when a Fastify instance was given: its `close()` runs once the connections are drained. */
  readonly fastify: FastifyLike | undefined;
}

/** Accepts anything with this shape: node:http, node:https and node:http2 servers, or a Fastify instance. */
export type DrainableServer = NetServer | FastifyLike;

/**
 * Recognises the server to drain. Duck typing rather than `instanceof`
 * checks on node:https and node:http2 classes, so importing this entry point
 * does not load TLS or HTTP/2 (and node:http2 exports no server classes).
 */
export function resolveServerTarget(value: unknown, parameter: string): ServerTarget {
  if (isFastify(value)) return { ...describeNodeServer(value.server, `${parameter}.server`), fastify: value };
  return { ...describeNodeServer(value, parameter), fastify: undefined };
}

function describeNodeServer(value: unknown, parameter: string): Omit<ServerTarget, 'fastify'> {
  if (!isServer(value)) {
    throw new TypeError(`${parameter} must be a node:http, node:https or node:http2 server or a Fastify instance${hint(value)}, got ${describeValue(value)}`);
  }
  const server = value as NetServer & Record<string, unknown>;
  const http2 = typeof server.updateSettings === 'function';
  // http.Server, https.Server and Http2SecureServer have closeIdleConnections (Node >= 18.2, engines >= 20).
  if (!http2 && typeof server.closeIdleConnections !== 'function') {
    throw new TypeError(`${parameter} must be an HTTP server (node:http, node:https or node:http2), got a plain net.Server`);
  }
  if (hasClosed(server)) {
    throw new Error(`${parameter} is already closed (it listened, then closed); track a server right after creating it`);
  }
  return { server, protocol: http2 ? 'http2' : 'http1', secure: isSecure(server) };
}

/**
 * A node:net server, or an HTTP server that offers the same methods without
 * extending net.Server: Bun's node:http and node:https servers extend only
 * EventEmitter (docs/runtimes.md). An Express or Koa app has `listen` but no
 * `close` and `address`, so it is still refused, with the hint.
 */
export function isServer(value: unknown): value is NetServer {
  if (value instanceof NetServer) return true;
  if (!(value instanceof EventEmitter)) return false;
  const candidate = value as unknown as Record<string, unknown>;
  return typeof candidate.listen === 'function' && typeof candidate.close === 'function' && typeof candidate.address === 'function';
}

/**
 * TLS servers: Node's extend tls.Server, which has setSecureContext; Bun's
 * https.Server lacks it but, like tls.Server, carries ALPNProtocols.
 */
function isSecure(server: NetServer & Record<string, unknown>): boolean {
  return typeof server.setSecureContext === 'function' || server.ALPNProtocols !== undefined;
}

/**
 * A server that listened once and was closed. Before listen() and after
 * close() a server looks the same (`listening` false, `address()` null);
 * only `_connectionKey`, set by listen() and never cleared, tells them apart.
 * It is private: if a future Node.js drops it, this check passes silently,
 * as it does on Bun, whose servers have no `_connectionKey` (docs/runtimes.md).
 */
function hasClosed(server: NetServer & Record<string, unknown>): boolean {
  return !server.listening && typeof server._connectionKey === 'string';
}

/** The Node.js server underneath what was given (a server or a Fastify instance), if it is one. */
export function underlyingServer(value: unknown): NetServer | undefined {
  if (isServer(value)) return value;
  return isFastify(value) ? value.server : undefined;
}

export function isFastify(value: unknown): value is FastifyLike {
  if (typeof value !== 'object' || value === null || isServer(value)) return false;
  const candidate = value as Record<string, unknown>;
  return isServer(candidate.server) && typeof candidate.close === 'function' && typeof candidate.addHook === 'function';
}

/** Common mistakes: an Express or Koa app instead of the server its listen() returned. */
function hint(value: unknown): string {
  const candidate = value as Record<string, unknown> | null | undefined;
  if ((typeof value === 'function' || typeof value === 'object') && value !== null && typeof candidate?.listen === 'function') {
    return ' (for Express or Koa, pass the server that app.listen() returns)';
  }
  return '';
}

/** `http://127.0.0.1:3000`, `https://127.0.0.1:8443 (HTTP/2)`: how messages and reports name a server. */
export function describeServer(target: ServerTarget, address: string | undefined): string {
  const name = address === undefined ? `${target.secure ? 'https' : 'http'} server (never listened)` : `${target.secure ? 'https' : 'http'}://${address}`;
  return target.protocol === 'http2' ? `${name} (HTTP/2)` : name;
}

/** `127.0.0.1:3000`, `[::1]:3000` or a pipe path; undefined when not listening. */
export function listeningAddress(server: NetServer): string | undefined {
  const address = server.address();
  if (address === null) return undefined;
  if (typeof address === 'string') return address;
  return address.family === 'IPv6' ? `[${address.address}]:${address.port}` : `${address.address}:${address.port}`;
}
