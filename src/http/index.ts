/**
 * farewell/http: drain HTTP/1.1, HTTP/2 and WebSocket servers on exit
 * without dropping a request, with Kubernetes readiness.
 *
 * Importing this module installs nothing; `drainOnExit()` starts tracking a
 * server and registers an exit hook. `listen()` and `ready()` are the program's
 * side of the CLI's zero-downtime reload (docs/reload.md).
 */
export { drainOnExit, trackServer, closeGracefully } from './drain-on-exit.js';
export { readinessHandler, livenessHandler } from './readiness.js';
export type { HealthHandler } from './readiness.js';
export type { ServerDrain, ServerDrainState } from './server-drain.js';
export { HTTP_DRAIN_GROUP } from './server-drain.js';
export type { DrainOptions, CloseOptions, DrainOnExitOptions, IdleKeepAlive } from './drain-options.js';
export { DEFAULT_IDLE_GRACE_MS, DEFAULT_IDLE_KEEP_ALIVE, DEFAULT_CLOSE_TIMEOUT_MS, EXIT_RESERVE_MS } from './drain-options.js';
export { DrainTimeoutError } from './drain-report.js';
export type { DrainReport, CutRequest } from './drain-report.js';
export { KUBERNETES_DELAY_MS, isKubernetes } from './exit-delay.js';
export type { WebSocketServerLike, CloseUpgraded } from './upgraded-connections.js';
export type { DrainableServer, FastifyLike } from './server-target.js';
export { listen } from './listen.js';
export type { ListenOptions, ListenFallback, ListenableServer } from './listen.js';
export { inheritedSockets } from './inherited-sockets.js';
export type { InheritedSocket } from './inherited-sockets.js';
export { ready } from './supervisor-channel.js';
