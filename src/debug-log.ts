import { loadUtil } from './builtin-modules.js';

/**
 * `NODE_DEBUG=farewell node app.js` prints the exit sequence as it
 * happens (Node's util.debuglog convention: "FAREWELL <pid>: …"),
 * created at first use.
 */
let created: ReturnType<typeof import('node:util').debuglog> | undefined;
function log(): ReturnType<typeof import('node:util').debuglog> {
  return (created ??= loadUtil().debuglog('farewell'));
}

/**
 * Bun's debuglog has no `enabled` and prints nothing (docs/runtimes.md):
 * there the library reads NODE_DEBUG itself, as Node does (a comma or space
 * separated list of sections, `*` as a wildcard, any case), once.
 */
let fallbackEnabled: boolean | undefined;
/** Whether the log prints; the first call reads NODE_DEBUG (call it early to keep that off the exit path). */
export function debugLogEnabled(): boolean {
  const { enabled } = log();
  if (typeof enabled === 'boolean') return enabled;
  fallbackEnabled ??= (process.env.NODE_DEBUG ?? '')
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((section) => new RegExp(`^${section.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test('farewell'));
  return fallbackEnabled;
}

/**
 * Writes a line to the `NODE_DEBUG=farewell` log, beside the library's own
 * steps, when it is enabled. Give a function to build the message only when
 * it is printed: the exit path stays fast.
 */
export function debugLog(message: string | (() => string)): void {
  if (!debugLogEnabled()) return;
  const text = typeof message === 'function' ? message() : message;
  if (typeof log().enabled === 'boolean') log()('%s', text);
  else process.stderr.write(`FAREWELL ${process.pid}: ${text}\n`);
}
