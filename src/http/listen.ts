import type { Server as NetServer } from 'node:net';
import type { ListenOptions as NetListenOptions } from 'node:net';
import { describeValue } from '../describe-value.js';
import { validateOptionsObject } from '../validate-arguments.js';
import { backlogFromSupervisor, inheritedState, isBacklog, MAX_BACKLOG } from './inherited-sockets.js';
import type { InheritedSocket } from './inherited-sockets.js';
import { isFastify, isServer } from './server-target.js';
import type { FastifyLike } from './server-target.js';
import { debugLog } from '../index.js';

/** Options of `listen()`. */
export interface ListenOptions {
  /**
   * Take the inherited socket with this name (`LISTEN_FDNAMES`: systemd's
   * `FileDescriptorName=`, the CLI's `--listen NAME=SPEC`). Default: the
   * first inherited socket no other `listen()` call has taken.
   */
  name?: string;
  /**
   * The backlog of an inherited socket. Listening again on a socket resets its
   * backlog, so by default the CLI's `--backlog` is kept (it passes it in
   * `FAREWELL_LISTEN_BACKLOG`), else Node.js's 511. Not applied to Fastify,
   * which passes one options object to `server.listen()`.
   */
  backlog?: number;
}

/** What `fallback` may be: what `server.listen()` takes as its first argument (a port, a pipe path, listen options). */
export type ListenFallback = number | string | NetListenOptions;

/** A server `listen()` can start: node:http, node:https, node:http2 (any `net.Server`), or a Fastify instance. */
export type ListenableServer = NetServer | ListenableFastify;
type ListenableFastify = FastifyLike & { listen(options: object): PromiseLike<unknown> };

const OPTION_NAMES = ['name', 'backlog'];

/**
 * Starts `server` listening: on a socket this process inherited when it was
 * started with one (by the farewell CLI's `--listen`, or by a systemd
 * `.socket` unit), else on `fallback`, exactly like `server.listen(fallback)`.
 * Resolves once the server listens, with the inherited socket used, or
 * `undefined` when it listened on `fallback`; rejects with the server's
 * `'error'` (EADDRINUSE…).
 *
 * Which socket: the one named `options.name`, else the first one not yet
 * taken by an earlier call (in the order of the CLI's `--listen` options or
 * of the `.socket` unit's `Listen…=` lines). A process that inherited no
 * socket, or whose sockets are all taken, listens on `fallback`; a name that
 * no inherited socket has is an Error (a misnamed socket must not quietly
 * become another port).
 *
 * The socket is shared with the supervisor and the next generation: closing
 * the server (the drain of `drainOnExit()` included) closes this process's
 * descriptor only; the socket stays open and queued connections wait for the
 * next generation (research: reload-and-supervisors §B, measured on Node.js 20,
 * 22 and 24).
 *
 * `server`: a node:http/https/http2 server (for Express `http.createServer(app)`,
 * for Koa `http.createServer(app.callback())`), or a Fastify instance, which
 * is started through `fastify.listen()` (its hooks run; a number as `fallback`
 * becomes `{ port }`). Throws, synchronously rather than as a rejection, a
 * TypeError/RangeError for a bad argument, and an Error when
 * `LISTEN_FDS`/`LISTEN_FDNAMES` are malformed (see `inheritedSockets()`) or
 * when there is no inherited socket and no `fallback`.
 */
export function listen(server: ListenableServer, fallback?: ListenFallback, options: ListenOptions = {}): Promise<InheritedSocket | undefined> {
  const fastify = isFastify(server) && typeof (server as { listen?: unknown }).listen === 'function' ? (server as ListenableFastify) : undefined;
  if (fastify === undefined && !isServer(server)) {
    throw new TypeError(`server must be a node:http, node:https or node:http2 server or a Fastify instance${appHint(server)}, got ${describeValue(server)}`);
  }
  validateFallback(fallback);
  const given = validateOptionsObject(options, 'options', OPTION_NAMES);
  const name = given.name === undefined ? undefined : validateName(given.name);
  const backlog = given.backlog === undefined ? backlogFromSupervisor() : validateBacklog(given.backlog, 'options.backlog');

  const socket = takeSocket(name);
  if (socket === undefined) {
    if (fallback === undefined) throw new Error('no inherited socket to listen on, and no fallback given');
    debugLog(() => `listen(): no inherited socket; listening on ${JSON.stringify(fallback)}`);
    if (fastify !== undefined) {
      const fastifyOptions = typeof fallback === 'object' ? fallback : typeof fallback === 'number' ? { port: fallback } : { path: fallback };
      return Promise.resolve(fastify.listen(fastifyOptions)).then(() => undefined);
    }
    return listening(server as NetServer, () => (server as NetServer).listen(fallback)).then(() => undefined);
  }
  debugLog(() => `listen(): listening on inherited fd ${socket.fd} (${socket.name})`);
  // Fastify binds a second address when `host` is 'localhost' (its default),
  // which would be a second, unshared socket: any other host avoids that, and
  // Node.js ignores `host` when `fd` is given.
  if (fastify !== undefined) return Promise.resolve(fastify.listen({ fd: socket.fd, host: '0.0.0.0' })).then(() => socket);
  // With `{ fd }`, Node.js takes the backlog from the second argument only.
  return listening(server as NetServer, () => (server as NetServer).listen({ fd: socket.fd }, backlog)).then(() => socket);
}

/** The inherited socket for a `listen()` call, marked taken; undefined when there is none to take. */
function takeSocket(name: string | undefined): InheritedSocket | undefined {
  const { sockets, taken } = inheritedState();
  const free = sockets.filter((socket) => !taken.has(socket.fd));
  let socket: InheritedSocket | undefined;
  if (name === undefined) {
    socket = free[0];
  } else {
    socket = free.find((candidate) => candidate.name === name);
    if (socket === undefined && sockets.length > 0) {
      const inherited = sockets.map((candidate) => `${candidate.name} (fd ${candidate.fd}${taken.has(candidate.fd) ? ', taken' : ''})`).join(', ');
      throw new Error(`no inherited socket named '${name}' is free; inherited: ${inherited}`);
    }
  }
  if (socket !== undefined) taken.add(socket.fd);
  return socket;
}

/** Calls `start` and resolves on `'listening'`, rejects on `'error'`. */
function listening(server: NetServer, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    const onError = (error: Error): void => {
      server.off('listening', onListening);
      reject(error);
    };
    server.once('listening', onListening);
    server.once('error', onError);
    start();
  });
}



function validateBacklog(value: unknown, parameter: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new TypeError(`${parameter} must be an integer, got ${describeValue(value)}`);
  if (!isBacklog(value)) throw new RangeError(`${parameter} must be from 1 to ${MAX_BACKLOG}, got ${describeValue(value)}`);
  return value;
}

function validateName(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.includes(':')) {
    throw new TypeError(`options.name must be a socket name (a non-empty string without ':'), got ${describeValue(value)}`);
  }
  return value;
}

function validateFallback(value: unknown): void {
  if (value === undefined || typeof value === 'string') return;
  if (typeof value === 'number') {
    if (!Number.isInteger(value) || value < 0 || value > 65535) throw new RangeError(`fallback must be a port from 0 to 65535, got ${describeValue(value)}`);
    return;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`fallback must be a port, a pipe path or listen options such as { port: 3000, host: '127.0.0.1' }, got ${describeValue(value)}`);
  }
}

/** Express and Koa apps are not servers: say what to pass instead. */
function appHint(value: unknown): string {
  if ((typeof value === 'function' || typeof value === 'object') && value !== null && typeof (value as { listen?: unknown }).listen === 'function') {
    return ' (for Express pass http.createServer(app), for Koa http.createServer(app.callback()))';
  }
  return '';
}
