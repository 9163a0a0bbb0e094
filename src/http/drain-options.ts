import { describeValue } from '../describe-value.js';
import { MAX_TIMER_MS, validateNonEmptyString, validateOptionsObject, validateTimeout } from '../validate-arguments.js';
import { validateWebSocketServers } from './upgraded-connections.js';
import type { CloseUpgraded, WebSocketServerLike } from './upgraded-connections.js';

/**
 * How long an HTTP/1 keep-alive connection must have been idle before the
 * drain closes it: 100 ms. Far above a round trip (a client in the middle of
 * a burst sends its next request within one, and gets `Connection: close`
 * instead of a FIN racing that request: node-platform-facts §7b), and short
 * enough that idle pools and silent connections (a browser's speculative
 * pre-connection) do not hold the exit back.
 */
export const DEFAULT_IDLE_GRACE_MS = 100;

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
   * Milliseconds an idle keep-alive connection (or one that never sent a
   * complete request) must have been idle before the drain closes it.
   * Default `DEFAULT_IDLE_GRACE_MS` (100). HTTP/2 sessions wait at most this
   * long for the PING between their two GOAWAY frames.
   */
  idleGrace?: number;
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
  readonly webSockets: readonly WebSocketServerLike[];
  readonly closeUpgraded: CloseUpgraded | undefined;
  readonly delay: number | undefined;
  readonly timeout: number | undefined;
  readonly name: string | undefined;
}

const CLOSE_OPTIONS = ['idleGrace', 'webSockets', 'closeUpgraded', 'delay', 'timeout'];
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
    webSockets: given.webSockets === undefined ? [] : validateWebSocketServers(given.webSockets, `${parameter}.webSockets`),
    closeUpgraded: closeUpgraded as CloseUpgraded | undefined,
    delay: given.delay === undefined ? undefined : validateDuration(given.delay, `${parameter}.delay`),
    timeout: given.timeout === undefined ? undefined : validateTimeout(given.timeout, `${parameter}.timeout`),
    name: name as string | undefined,
  };
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
