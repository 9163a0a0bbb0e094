import { describeValue } from '../describe-value.js';
import { MAX_TIMER_MS, validateNonEmptyString, validateOptionsObject, validateTimeout } from '../validate-arguments.js';
import { validateWebSocketServers } from './upgraded-connections.js';
import type { CloseUpgraded, WebSocketServerLike } from './upgraded-connections.js';

/**
 * How long a connection that has not sent a complete request yet (a
 * browser's speculative pre-connection, a silent client) must have been idle
 * before the drain closes it: 100 ms. Far above a round trip, so a first
 * request already on the wire is read and served rather than cut, and short
 * enough that pre-connections do not hold the exit back. With
 * `idleKeepAlive: 'close'`, idle keep-alive connections get the same grace.
 */
export const DEFAULT_IDLE_GRACE_MS = 100;

/**
 * What the drain does with a keep-alive connection that has carried requests
 * and has none in progress:
 * - `'wait'` (the default): leave it to its client. No server can close it
 *   without racing the client's next request, which a proxy's pool may send
 *   on it at any moment (issue 9, defect 14). A request that arrives on it is
 *   served with `Connection: close`; otherwise it ends when the client closes
 *   it, when the server's own `keepAliveTimeout` (+1 s) closes it as in normal
 *   operation, or at the drain's `timeout` (a FIN, not counted as a failure).
 * - `'close'`: close it with a FIN once it has been idle for `idleGrace`. The
 *   exit is fast, but a request sent on it at that instant is lost (a reset,
 *   or no answer): only for deployments where every client retries such a
 *   request (browsers do for idempotent methods; nginx does not retry a POST,
 *   Node.js's http.Agent retries nothing).
 */
export type IdleKeepAlive = 'wait' | 'close';

/** `idleKeepAlive` when not given: lose nothing. */
export const DEFAULT_IDLE_KEEP_ALIVE: IdleKeepAlive = 'wait';

/** The `timeout` of `close()` and `closeGracefully()`: 10 s, like the global exit deadline. */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * What an exit drain leaves of the global deadline for what follows it: 1 s
 * for the hooks that run after the servers (closing the database pools the
 * requests were using) and for flushing output.
 */
export const EXIT_RESERVE_MS = 1_000;

/** Options shared by every way to drain a server. */
export interface DrainOptions {
  /**
   * Milliseconds a connection that has not sent a complete request yet (a
   * pre-connection, a silent client) must have been idle before the drain
   * closes it; with `idleKeepAlive: 'close'`, idle keep-alive connections
   * too. A connection in the middle of sending a request is never closed
   * for being idle. HTTP/2 sessions wait at most this long for the PING
   * between their two GOAWAY frames. Default `DEFAULT_IDLE_GRACE_MS` (100).
   */
  idleGrace?: number;
  /**
   * `'wait'` (default): an idle keep-alive connection that has carried
   * requests is left to its client (a request on it is served with
   * `Connection: close`) until the client closes it, the server's
   * `keepAliveTimeout` does, or the drain's `timeout` ends; nothing is lost
   * behind a proxy's connection pool, but the exit can wait that long.
   * `'close'`: close it once idle for `idleGrace`; fast, for deployments
   * where every client retries a request that fails on a reused connection.
   */
  idleKeepAlive?: IdleKeepAlive;
  /**
   * WebSocket servers (`ws`'s `WebSocketServer`, or anything with a `clients`
   * set whose members have `close(code, reason)`) whose clients get a close
   * frame 1001 "going away" when the drain starts, and as they connect during it.
   */
  webSockets?: WebSocketServerLike | readonly WebSocketServerLike[];
  /**
   * Called when the drain starts for each upgraded socket (and each socket
   * upgraded during the drain) to begin a graceful close of its protocol. It
   * should not wait; the drain waits for the socket's `'close'`. Default: if
   * `webSockets` is given, nothing (the WebSocket servers close their
   * clients); otherwise the socket is ended with a FIN.
   */
  closeUpgraded?: CloseUpgraded;
}

/** Options of `close()` and `closeGracefully()`. */
export interface CloseOptions extends DrainOptions {
  /** Milliseconds to keep serving normally before the drain starts. Default 0. */
  delay?: number;
  /** Milliseconds from the start of the drain until the remaining connections are destroyed. Default 10000. */
  timeout?: number;
}

/** Options of `drainOnExit()`. */
export interface DrainOnExitOptions extends DrainOptions {
  /**
   * Milliseconds to keep accepting and serving normally after a signal
   * starts the exit, while readiness already answers 503, so load balancers
   * stop routing here first. Counted from the start of the exit, once per
   * process (servers do not add their delays up). Applies only to exits
   * started by a signal: an exit the program decides on itself has no load
   * balancer catching up. Default: 5000 in Kubernetes (`KUBERNETES_SERVICE_HOST`
   * is set), 0 elsewhere.
   */
  delay?: number;
  /**
   * Milliseconds from the start of the drain until the remaining connections
   * are destroyed. Default, and upper bound: the time left before the global
   * deadline (`configure({ timeout })`, 10 s by default) minus 1 s for the
   * hooks that run after the servers and the final flush; half of the time
   * left when less than 2 s are left.
   */
  timeout?: number;
  /** The exit hook's name in messages. Default `'http server'`. */
  name?: string;
}

export interface ResolvedDrainOptions {
  readonly idleGrace: number;
  readonly idleKeepAlive: IdleKeepAlive;
  readonly webSockets: readonly WebSocketServerLike[];
  readonly closeUpgraded: CloseUpgraded | undefined;
  readonly delay: number | undefined;
  readonly timeout: number | undefined;
  readonly name: string | undefined;
}

const CLOSE_OPTIONS = ['idleGrace', 'idleKeepAlive', 'webSockets', 'closeUpgraded', 'delay', 'timeout'];
const DRAIN_ON_EXIT_OPTIONS = [...CLOSE_OPTIONS, 'name'];

/** Validates the options of `close()`/`closeGracefully()` (`forExit` false) or `drainOnExit()` (true). */
export function validateDrainOptions(options: unknown, parameter: string, forExit: boolean): ResolvedDrainOptions {
  const given = validateOptionsObject(options, parameter, forExit ? DRAIN_ON_EXIT_OPTIONS : CLOSE_OPTIONS);
  const { closeUpgraded, name } = given;
  if (closeUpgraded !== undefined && typeof closeUpgraded !== 'function') {
    throw new TypeError(`${parameter}.closeUpgraded must be a function (socket, request) => void, got ${describeValue(closeUpgraded)}`);
  }
  if (name !== undefined) validateNonEmptyString(name, `${parameter}.name`);
  return {
    idleGrace: given.idleGrace === undefined ? DEFAULT_IDLE_GRACE_MS : validateDuration(given.idleGrace, `${parameter}.idleGrace`),
    idleKeepAlive: given.idleKeepAlive === undefined ? DEFAULT_IDLE_KEEP_ALIVE : validateIdleKeepAlive(given.idleKeepAlive, `${parameter}.idleKeepAlive`),
    webSockets: given.webSockets === undefined ? [] : validateWebSocketServers(given.webSockets, `${parameter}.webSockets`),
    closeUpgraded: closeUpgraded as CloseUpgraded | undefined,
    delay: given.delay === undefined ? undefined : validateDuration(given.delay, `${parameter}.delay`),
    timeout: given.timeout === undefined ? undefined : validateTimeout(given.timeout, `${parameter}.timeout`),
    name: name as string | undefined,
  };
}

function validateIdleKeepAlive(value: unknown, parameter: string): IdleKeepAlive {
  if (value !== 'wait' && value !== 'close') throw new TypeError(`${parameter} must be 'wait' or 'close', got ${describeValue(value)}`);
  return value;
}

/** A duration that may be 0: a number of milliseconds from 0 to setTimeout's limit. */
function validateDuration(value: unknown, parameter: string): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${parameter} must be a number of milliseconds, got ${describeValue(value)}`);
  }
  if (!(value >= 0 && value <= MAX_TIMER_MS)) {
    throw new RangeError(`${parameter} must be from 0 to ${MAX_TIMER_MS} milliseconds, got ${describeValue(value)}`);
  }
  return value;
}

/** The drain's timeout within an exit: what is left of the global deadline, minus the reserve. */
export function exitDrainBudget(timeLeft: number): number {
  return timeLeft >= 2 * EXIT_RESERVE_MS ? timeLeft - EXIT_RESERVE_MS : timeLeft / 2;
}
