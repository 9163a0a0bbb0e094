import { shutdownSignal } from '../index.js';

/**
 * A health-check handler that works as a node:http request handler, Express
 * middleware, a Fastify route handler and Koa middleware. It always responds
 * (it never calls `next`).
 */
export type HealthHandler = (request: any, response?: any, next?: unknown) => void;

/**
 * Kubernetes readiness: 200 `ready` until the exit sequence starts, then 503
 * `shutting down` from that very moment (a SIGTERM, `exit()`, an uncaught
 * error…), while the server itself keeps serving through the drain `delay`.
 * Signals start the exit while the library handles them, i.e. once an exit
 * hook is registered (`drainOnExit()` registers one). Responses are
 * `text/plain` with `Cache-Control: no-store`.
 */
export function readinessHandler(): HealthHandler {
  return (request, response) => {
    if (shutdownSignal.aborted) respond(request, response, 503, 'shutting down\n');
    else respond(request, response, 200, 'ready\n');
  };
}

/**
 * Kubernetes liveness: always 200 `alive` while the process can answer,
 * including during the exit (a failing liveness probe makes the kubelet kill
 * the container, cutting the drain short).
 */
export function livenessHandler(): HealthHandler {
  return (request, response) => respond(request, response, 200, 'alive\n');
}

/** Writes the answer through whichever API the framework handed over. */
function respond(request: any, response: any, status: number, body: string): void {
  // Fastify: (request, reply) with reply.code()/header()/send().
  if (typeof response?.code === 'function' && typeof response.send === 'function' && 'raw' in response) {
    response.code(status).header('content-type', 'text/plain; charset=utf-8').header('cache-control', 'no-store').send(body);
    return;
  }
  // Koa: (ctx, next) with ctx.status/ctx.body/ctx.set().
  if (typeof request?.set === 'function' && 'body' in request && request.res !== undefined && typeof response !== 'object') {
    request.status = status;
    request.set('cache-control', 'no-store');
    request.type = 'text/plain';
    request.body = body;
    return;
  }
  // node:http and Express: (req, res).
  if (typeof response?.setHeader !== 'function' || typeof response.end !== 'function') {
    throw new TypeError('a health handler must be called with (request, response), (request, reply) or (ctx, next)');
  }
  response.statusCode = status;
  response.setHeader('content-type', 'text/plain; charset=utf-8');
  response.setHeader('cache-control', 'no-store');
  response.end(body);
}
