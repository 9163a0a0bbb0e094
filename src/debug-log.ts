import { debuglog } from 'node:util';

/**
 * `NODE_DEBUG=farewell node app.js` prints the exit sequence as it
 * happens (Node's util.debuglog convention: "FAREWELL <pid>: …").
 * debuglog reads NODE_DEBUG on first use, so creating it here costs nothing.
 */
const log = debuglog('farewell');

/**
 * Writes a line to the `NODE_DEBUG=farewell` log, beside the library's own
 * steps, when it is enabled. Give a function to build the message only when
 * it is printed: the exit path stays fast.
 */
export function debugLog(message: string | (() => string)): void {
  if (log.enabled) log('%s', typeof message === 'function' ? message() : message);
}
