import { descendantsIn, isSameLiveProcess, readProcess, readProcessTable } from './process-table.js';
import type { ProcessEntry } from './process-table.js';

/**
 * The processes started, directly or not, by one root process, followed over
 * time while they are being stopped.
 *
 * - Linux: the root's descendants, found through /proc by parent pid, plus the
 *   members of the root's process group when the root leads one. Each is
 *   remembered with its start time, so a pid reused by an unrelated process is
 *   never signalled. Scanning again finds processes forked meanwhile.
 * - Other POSIX systems (macOS, BSD): the root's process group when it leads
 *   one (spawned with `detached: true`); no other descendants can be found.
 * - Windows: no process groups and no signals: nothing beyond the root.
 *
 * The root itself is not part of this set: it is a child of this process,
 * whose exit Node reports (and which Node reaps, so its pid may be reused
 * right after).
 */
export class ProcessTree {
  private readonly known = new Map<number, ProcessEntry>();
  private readonly rootEntry: ProcessEntry | undefined;
  /** The root leads its own process group: `kill(-root)` reaches the whole group. */
  readonly leadsGroup: boolean;
  private rootRunning = true;
  /** Descendants can be searched for (Linux, whole tree wanted). */
  private readonly searchable: boolean;

  /**
   * @param rootPid a running child of this process.
   * @param wholeTree false to follow the root alone (no group, no descendants).
   */
  constructor(
    readonly rootPid: number,
    wholeTree: boolean,
    platform: string = process.platform,
  ) {
    this.rootEntry = platform === 'linux' ? readProcess(rootPid) : undefined;
    this.searchable = wholeTree && this.rootEntry !== undefined;
    this.leadsGroup =
      wholeTree && (this.rootEntry !== undefined ? this.rootEntry.pgid === rootPid : platform !== 'win32' && groupExists(rootPid));
  }

  /** Called when the root has exited: from now on its pid may belong to another process. */
  rootExited(): void {
    this.rootRunning = false;
  }

  /**
   * Looks for new members: descendants of the root and of every known live
   * member, and members of the root's group. Linux only; a no-op elsewhere.
   */
  scan(): void {
    if (!this.searchable) return;
    const table = readProcessTable();
    if (table === undefined) return;
    const roots: number[] = [];
    if (this.rootRunning && this.rootEntry !== undefined && isSameLiveProcess(this.rootEntry, table.get(this.rootPid))) {
      roots.push(this.rootPid);
    }
    for (const entry of this.known.values()) if (isSameLiveProcess(entry, table.get(entry.pid))) roots.push(entry.pid);
    for (const root of roots) {
      for (const entry of descendantsIn(table, root)) if (!this.known.has(entry.pid)) this.known.set(entry.pid, entry);
    }
    if (this.leadsGroup) {
      for (const entry of table.values()) {
        if (entry.pgid === this.rootPid && entry.pid !== this.rootPid && !this.known.has(entry.pid)) this.known.set(entry.pid, entry);
      }
    }
  }

  /** Known members still alive (zombies count as gone: they are dead, only not yet reaped). */
  aliveMembers(): number[] {
    return [...this.known.values()].filter((entry) => isSameLiveProcess(entry, readProcess(entry.pid))).map((entry) => entry.pid);
  }

  /** Whether nothing of the tree but (maybe) the root is left. */
  isEmpty(): boolean {
    if (!this.searchable) {
      // No /proc: only the group can be checked (zombies still count as members there).
      return !this.leadsGroup || !groupExists(this.rootPid);
    }
    return this.aliveMembers().length === 0;
  }

  /**
   * Sends `signal` to the root (while it runs) and every live member, each
   * exactly once: a farewell program takes a second SIGINT or SIGTERM as
   * "force". When the root leads a group, one `kill(-pgid)` reaches the root
   * and the group at once (atomically: even processes forked a moment ago);
   * members outside the group are signalled one by one. Returns the known pids
   * signalled (on systems without /proc a group's members cannot be listed)
   * and those this process is not permitted to signal.
   */
  signalAll(signal: NodeJS.Signals): { signalled: number[]; refused: number[] } {
    const signalled: number[] = [];
    const refused: number[] = [];
    // Fresh entries: a member may have moved to another group since it was found.
    const members: ProcessEntry[] = [];
    for (const entry of this.known.values()) {
      const now = readProcess(entry.pid);
      if (now !== undefined && isSameLiveProcess(entry, now)) members.push(now);
    }
    let groupSignalled = false;
    let rootSignalled = false;
    if (this.leadsGroup && (this.rootRunning || this.rootEntry === undefined || members.some((entry) => entry.pgid === this.rootPid))) {
      // After the root is gone the group id stays reserved while any member
      // lives, so the group cannot be confused with a newer one.
      const outcome = sendSignal(-this.rootPid, signal);
      if (outcome === 'refused') refused.push(this.rootPid);
      groupSignalled = outcome === 'sent';
      rootSignalled = groupSignalled && this.rootRunning;
    } else if (this.rootRunning) {
      const outcome = sendSignal(this.rootPid, signal);
      if (outcome === 'refused') refused.push(this.rootPid);
      rootSignalled = outcome === 'sent';
    }
    if (rootSignalled) signalled.push(this.rootPid);
    for (const entry of members) {
      if (groupSignalled && entry.pgid === this.rootPid) {
        signalled.push(entry.pid);
        continue;
      }
      const outcome = sendSignal(entry.pid, signal);
      if (outcome === 'refused') refused.push(entry.pid);
      else if (outcome === 'sent') signalled.push(entry.pid);
    }
    return { signalled, refused };
  }
}

function groupExists(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** `process.kill` that reports instead of throwing. */
export function sendSignal(pid: number, signal: NodeJS.Signals): 'sent' | 'gone' | 'refused' {
  try {
    process.kill(pid, signal);
    return 'sent';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM' ? 'refused' : 'gone';
  }
}
