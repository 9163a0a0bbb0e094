import { debuglog } from 'node:util';

/**
 * `NODE_DEBUG=graceful-exit node app.js` prints the exit sequence as it
 * happens (Node's util.debuglog convention: "GRACEFUL-EXIT <pid>: …").
 * debuglog reads NODE_DEBUG on first use, so creating it here costs nothing.
 */
export const debugLog: (message: string) => void = (() => {
  const log = debuglog('graceful-exit');
  return (message: string) => log('%s', message);
})();

/** Whether NODE_DEBUG enables the log (so callers can skip building messages). */
export function isDebugEnabled(): boolean {
  return debuglog('graceful-exit').enabled;
}
