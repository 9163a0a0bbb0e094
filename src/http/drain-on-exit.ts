import { validateDrainOptions } from './drain-options.js';
import type { CloseOptions, DrainOnExitOptions } from './drain-options.js';
import type { DrainReport } from './drain-report.js';
import type { DrainableServer } from './server-target.js';
import { trackedServerFor } from './server-drain.js';
import type { ServerDrain } from './server-drain.js';

/**
 * Makes `server` drain gracefully when the process exits. Call it right after
 * creating the server: it starts tracking connections at once (a connection
 * accepted earlier is unknown until it sends a request) and registers an exit
 * hook (so the library handles SIGINT, SIGTERM and SIGHUP from then on).
 *
 * `server`: a node:http, node:https or node:http2 server (cleartext or secure,
 * with or without `allowHTTP1`), the server that Express's or Koa's
 * `app.listen()` returns, or a Fastify instance (its `close()` then runs after
 * the drain, so its `onClose` hooks run).
 *
 * When the exit starts: readiness (`readinessHandler()`) answers 503 at once;
 * after a signal, the server keeps serving for `delay` ms (default 5000 in
 * Kubernetes, else 0); then it stops accepting, answers requests on busy
 * connections with `Connection: close`, leaves idle keep-alive connections to
 * their clients (`idleKeepAlive: 'wait'`: a request on one is answered with
 * `Connection: close`; `'close'` closes them once idle for `idleGrace`),
 * closes connections that never sent a request once idle for `idleGrace` ms
 * (100), sends HTTP/2 sessions a GOAWAY and WebSocket clients a close frame
 * 1001, and resolves when the last connection closes. At `timeout` (default:
 * the global deadline minus 1 s) idle keep-alive connections are closed with
 * a FIN, the rest is destroyed and stderr (the configured logger) names the
 * requests cut; the exit then counts as failed (status 0 becomes 1; a signal
 * death stays one).
 * Several servers drain concurrently (their hooks share one group).
 *
 * Throws a TypeError/RangeError for a bad argument, and an Error for a server
 * that was already closed or already passed to `drainOnExit()`.
 */
export function drainOnExit(server: DrainableServer, options: DrainOnExitOptions = {}): ServerDrain {
  const resolved = validateDrainOptions(options, 'options', true);
  const tracked = trackedServerFor(server, 'server', false);
  if (tracked.state !== 'serving') throw new Error(`server is already ${tracked.state}: ${tracked.server}`);
  if (tracked.hasExitHook) throw new Error(`drainOnExit() was already called for ${tracked.server}`);
  tracked.registerExitHook(resolved);
  return tracked;
}

/**
 * Starts tracking `server`'s connections without registering an exit hook,
 * for tests and custom flows: call `close()` on the result when it is time.
 * Returns the existing tracking if the server is tracked already.
 * Same `server` argument and errors as `drainOnExit()`.
 */
export function trackServer(server: DrainableServer): ServerDrain {
  return trackedServerFor(server, 'server', false);
}

/**
 * Drains `server` now: the promise-returning close for tests and custom
 * flows. Same drain as at exit, with `delay` 0 and `timeout` 10000 by
 * default; resolves with the report, rejects with a `DrainTimeoutError` if
 * connections had to be destroyed. For a server not tracked before, tracking
 * starts now: idle connections accepted earlier are closed at once by
 * Node.js, and one with a request in flight closes after its response when the
 * client or the keep-alive timeout ends it (or at the timeout). A server that
 * never listened resolves at once. Idempotent, like `ServerDrain.close()`.
 * Throws a TypeError/RangeError for a bad argument, an Error for a server
 * closed by other means.
 */
export function closeGracefully(server: DrainableServer, options: CloseOptions = {}): Promise<DrainReport> {
  validateDrainOptions(options, 'options', false);
  return trackedServerFor(server, 'server', true).close(options);
}
