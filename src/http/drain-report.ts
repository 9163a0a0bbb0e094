import type { IncomingMessage } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http2';

/** A request the drain had to cut at its timeout. */
export interface CutRequest {
  readonly method: string;
  /**
   * The route: Express's route pattern when known, else the path of the
   * request target and nothing else: no scheme, credentials or host (a
   * request in absolute form), no query or fragment, no `;parameters` (which
   * carry session ids such as `;jsessionid=`).
   */
  readonly route: string;
  /** `http/1.1`, `h2`, or `upgraded` (a WebSocket or other upgraded connection, named by its upgrade request). */
  readonly protocol: 'http/1.1' | 'h2' | 'upgraded';
}

/** What a drain did, for logs and tests. */
export interface DrainReport {
  /** The server: `http://127.0.0.1:3000`, `https://127.0.0.1:8443 (HTTP/2)`. */
  readonly server: string;
  /**
   * - `drained`: every connection closed by itself;
   * - `timed-out`: the drain's timeout destroyed the connections still open;
   * - `aborted`: the exit was forced (second signal, global deadline) and the connections were destroyed.
   */
  readonly outcome: 'drained' | 'timed-out' | 'aborted';
  /** Milliseconds waited before the drain began, while still serving (the `delay`). */
  readonly delayMs: number;
  /** Milliseconds from the start of the drain (after the delay) until it ended. */
  readonly durationMs: number;
  /** Connections open when the drain started: HTTP/1 sockets, HTTP/2 sessions, upgraded sockets. */
  readonly connectionsAtStart: number;
  /** Requests that completed during the drain: those in flight at its start and those that arrived on open connections. */
  readonly requestsCompleted: number;
  /** Connections destroyed at the timeout (0 when the drain completed). */
  readonly connectionsDestroyed: number;
  /** Requests cut at the timeout, with their routes. */
  readonly requestsCut: readonly CutRequest[];
}

/**
 * The drain of a server did not complete in time: connections were destroyed
 * and requests cut. `report` says which. `close()` and `closeGracefully()`
 * reject with it; at exit, `drainOnExit()` reports its message as a cleanup
 * failure instead.
 */
export class DrainTimeoutError extends Error {
  declare readonly report: DrainReport;

  constructor(report: DrainReport) {
    super(describeCut(report));
    // Not enumerable: the message already says what matters, and printing the
    // error (the exit hook's failure report) should not dump the object too.
    Object.defineProperty(this, 'report', { value: report, enumerable: false });
    // The stack would point into the library's timer, which says nothing
    // useful; Node.js prints a stackless error in brackets.
    this.stack = `${this.name}: ${this.message}`;
  }
}
Object.defineProperty(DrainTimeoutError.prototype, 'name', { value: 'DrainTimeoutError', writable: true, configurable: true });

/** "the drain of http://127.0.0.1:3000 timed out after 2000 ms: cut 2 requests (GET /slow ×2); destroyed 3 connections". */
function describeCut(report: DrainReport): string {
  const how = report.outcome === 'aborted' ? `was cut short after ${Math.round(report.durationMs)} ms` : `timed out after ${Math.round(report.durationMs)} ms`;
  const cut = report.requestsCut.length;
  const requests = cut === 0 ? 'no request had reached the application' : `cut ${plural(cut, 'request')} (${summarizeRoutes(report.requestsCut)})`;
  return `the drain of ${report.server} ${how}: ${requests}; destroyed ${plural(report.connectionsDestroyed, 'connection')}`;
}

/** "GET /slow ×2, POST /upload, upgraded GET /socket": one entry per route, most frequent first. */
export function summarizeRoutes(requests: readonly CutRequest[]): string {
  const counts = new Map<string, number>();
  for (const { method, route, protocol } of requests) {
    const key = `${protocol === 'upgraded' ? 'upgraded ' : ''}${method} ${route}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([key, count]) => (count === 1 ? key : `${key} ×${count}`))
    .join(', ');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The route of an HTTP/1 request (or of an upgrade request). */
export function routeOfRequest(request: IncomingMessage, protocol: CutRequest['protocol']): CutRequest {
  // Express sets req.route (the matched pattern) and req.baseUrl while routing.
  const express = request as IncomingMessage & { route?: { path?: unknown }; baseUrl?: unknown };
  const pattern = express.route?.path;
  const route =
    typeof pattern === 'string' ? `${typeof express.baseUrl === 'string' ? withoutPathParameters(express.baseUrl) : ''}${pattern}` : pathOf(request.url);
  return { method: request.method ?? 'GET', route, protocol };
}

/** The route of an HTTP/2 stream, from its request headers. */
export function routeOfStream(headers: IncomingHttpHeaders): CutRequest {
  return { method: String(headers[':method'] ?? 'GET'), route: pathOf(headers[':path']), protocol: 'h2' };
}

/**
 * The path of a request target, with nothing that may carry a secret
 * (issue 9, defect 9). A request in absolute form
 * (`http://admin:hunter2@internal.example/reports?token=abc`) or one starting
 * with `//` loses its scheme and authority (the userinfo and the host); the
 * query and fragment go; so do `;parameters` of every segment, where servlet
 * containers and some proxies put session ids (`/cart;jsessionid=…`). An
 * asterisk (`OPTIONS *`) stays; anything else that is not a path prints as
 * `(not a path)`.
 */
function pathOf(target: string | string[] | undefined): string {
  let text = typeof target === 'string' ? target : '/';
  const end = text.search(/[?#]/);
  if (end !== -1) text = text.slice(0, end);
  const authority = /^(?:[a-z][a-z0-9+.-]*:)?\/\/[^/]*/i.exec(text);
  if (authority !== null) text = text.slice(authority[0].length) || '/';
  if (text === '*') return text;
  if (!text.startsWith('/')) return '(not a path)';
  return withoutPathParameters(text);
}

/** `/a;jsessionid=X/b;v=2` → `/a/b`. */
function withoutPathParameters(path: string): string {
  return path.replace(/;[^/]*/g, '');
}
