import { describeValue } from '../describe-value.js';
import { descendantsIn, readProcessTable } from './process-table.js';

/**
 * The pids of every process started, directly or not, by process `pid`
 * (children first, then theirs…), read from /proc. Linux only: returns
 * undefined where processes cannot be listed (macOS, Windows, no /proc).
 * A snapshot: processes whose parent already exited have been re-parented
 * and are not found.
 */
export function findDescendants(pid: number): number[] | undefined {
  if (typeof pid !== 'number') throw new TypeError(`pid must be a process id (a positive integer), got ${describeValue(pid)}`);
  if (!Number.isInteger(pid) || pid <= 0) throw new RangeError(`pid must be a process id (a positive integer), got ${describeValue(pid)}`);
  const table = readProcessTable();
  return table === undefined ? undefined : descendantsIn(table, pid).map((entry) => entry.pid);
}
