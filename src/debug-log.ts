import { debuglog } from 'node:util';

/**
 * `NODE_DEBUG=farewell node app.js` prints the exit sequence as it
 * happens (Node's util.debuglog convention: "FAREWELL <pid>: …").
 * debuglog reads NODE_DEBUG on first use, so creating it here costs nothing.
 */
const log = debuglog('farewell');

/**
 * Prints a line when NODE_DEBUG enables the log. Takes a function so that the
 * message is only built when it is printed: the exit path stays fast.
 */
export function debugLog(message: () => string): void {
  if (log.enabled) log('%s', message());
}
