import { indexTable, isLive, isSameLiveProcess, leadsGroupOrSession, readProcess, readProcessTable, startedAtOrAfter } from './process-table.js';
import type { ProcessEntry } from './process-table.js';
import { groupExists, signalTree } from './signal-tree.js';

/**
 * Why a stop may have missed processes of the tree (`Termination.incompleteReason`):
 * - `'cannot-list-processes'`: processes cannot be listed here (not Linux, or
 *   /proc unreadable): only the child, or its process group, was reached;
 * - `'child-already-exited'`: the child had exited before the stop began:
 *   what it left behind can no longer be told apart from other processes;
 * - `'unattributed-processes'`: processes that may come from the tree were
 *   seen but could not be told apart from unrelated ones, and were left alone
 *   (`unattributedPids`).
 */
export type IncompleteReason = 'cannot-list-processes' | 'child-already-exited' | 'unattributed-processes';

/** Whether a stop reached the whole tree; the last three fields of a `Termination`. */
export interface TreeCompleteness {
  readonly complete: boolean;
  readonly incompleteReason: IncompleteReason | null;
  readonly unattributedPids: readonly number[];
}

/** How a `ProcessTree` follows its root. */
export interface ProcessTreeOptions {
  /** False to follow the root alone (no group, no descendants). */
  readonly wholeTree: boolean;
  /**
   * The root is the only process this one started (the CLI). Then every other
   * child of this process is an orphan that was re-parented to it, which
   * happens only when this process is PID 1 of a PID namespace (a container's
   * ENTRYPOINT): everything in the namespace comes from the root, so those
   * orphans are members.
   */
  readonly soleChild: boolean;
}

/**
 * The processes started, directly or not, by one root process, followed over
 * time while they are being stopped.
 *
 * Linux: found through /proc, each remembered with its start time, so that a
 * pid reused by an unrelated process is never signalled. Scanning again
 * finds processes forked meanwhile. Members are:
 * - the descendants, by parent pid, of the root and of every member;
 * - every process in a process group or session that the root or a member
 *   leads (or led: an id stays reserved while its group or session has a
 *   process in it, so it cannot name a newer one). A process keeps its group
 *   and session when its parent exits: a double-forked grandchild, re-parented
 *   to init, is still found this way. A child spawned with `detached: true`
 *   leads a new session, so its whole tree stays findable unless a process
 *   leaves the session (`setsid`, what daemons do) and then loses its parent;
 * - with `soleChild`, every other child of this process (re-parented orphans).
 *
 * A root that shares its session with this process (not detached) leads
 * nothing: membership by group or session would sweep up unrelated processes,
 * this one included. A process of that session that started after the root
 * and lost its parent may come from the tree, or from anything else in the
 * session: it is not signalled, and `completeness()` names it.
 *
 * Other POSIX systems (macOS, BSD): the root's process group when it leads
 * one (spawned with `detached: true`); nothing else can be found.
 * Windows: no process groups and no signals: nothing beyond the root.
 *
 * The root itself is not part of this set: it is a child of this process,
 * whose exit Node reports (and which Node reaps, so its pid may be reused
 * right after).
 */
export class ProcessTree {
  /**
   * Every tree this process follows now. A process known to one of them is
   * attributed: when several children sharing this session are stopped at
   * once, the processes one of them leaves re-parented for a moment are not
   * the others' to report.
   */
  private static readonly followed = new Set<ProcessTree>();
  private readonly known = new Map<number, ProcessEntry>();
  /**
   * Groups and sessions led by the root or a member, by id, with their leader
   * as first seen. Forgotten once the leader is gone and nothing is left in
   * them (seen twice: see `lastScanSettled`): from then on the id may be
   * reused. Scans follow each other within 100 ms while a tree is stopped, far
   * too soon for the kernel to hand out the same pid again.
   */
  private readonly leaders = new Map<number, ProcessEntry>();
  /** Leaders found gone, with nothing left in their group or session, at the last scan. */
  private readonly vacantLeaders = new Set<number>();
  private readonly rootEntry: ProcessEntry | undefined;
  /** The root leads its own process group: `kill(-root)` reaches the whole group. */
  readonly leadsGroup: boolean;
  private rootRunning = true;
  private readonly wholeTree: boolean;
  /** Descendants can be searched for (Linux, whole tree wanted). */
  private readonly searchable: boolean;
  private readonly soleChild: boolean;
  /**
   * Reading /proc is not atomic: the pids are listed first, each process is
   * read later, so a member read as dead may have forked after the listing.
   * Nothing is left only when a scan found the root exited and every member
   * dead, and a later scan (listed after those reads) found nothing new.
   */
  private lastScanSettled = false;
  private confirmedEmpty = false;

  /** @param rootPid a running child of this process. */
  constructor(
    readonly rootPid: number,
    options: ProcessTreeOptions,
    platform: string = process.platform,
  ) {
    this.wholeTree = options.wholeTree;
    this.soleChild = options.soleChild;
    this.rootEntry = platform === 'linux' ? readProcess(rootPid) : undefined;
    this.searchable = this.wholeTree && this.rootEntry !== undefined;
    this.leadsGroup =
      this.wholeTree && (this.rootEntry !== undefined ? this.rootEntry.pgid === rootPid : platform !== 'win32' && groupExists(rootPid));
    if (this.searchable && leadsGroupOrSession(this.rootEntry!)) this.leaders.set(rootPid, this.rootEntry!);
    ProcessTree.followed.add(this);
  }

  /** Stops following the tree (its stop is over): its members no longer count as attributed for other trees. */
  release(): void {
    ProcessTree.followed.delete(this);
  }

  /** Whether `entry` is the root or a known member (same pid and start time). */
  private knows(entry: ProcessEntry): boolean {
    if (entry.pid === this.rootPid) return this.rootEntry?.startTime === entry.startTime;
    return this.known.get(entry.pid)?.startTime === entry.startTime;
  }

  /** Called when the root has exited: from now on its pid may belong to another process. */
  rootExited(): void {
    this.rootRunning = false;
  }

  /**
   * Looks for new members: descendants of the root and of every known live
   * member, members of the groups and sessions they lead, and (`soleChild`)
   * this process's other children. Linux only; a no-op elsewhere.
   */
  scan(): void {
    if (!this.searchable) return;
    const table = readProcessTable();
    if (table === undefined) {
      this.lastScanSettled = false;
      this.confirmedEmpty = !this.rootRunning && this.aliveMembers().length === 0;
      return;
    }
    const rootEntry = this.rootEntry!;
    const { children, byGroupOrSession } = indexTable(table);
    const found: ProcessEntry[] = [];
    const consider = (entry: ProcessEntry): void => {
      if (entry.pid === this.rootPid && entry.startTime === rootEntry.startTime) return;
      if (this.known.get(entry.pid)?.startTime === entry.startTime) return;
      this.known.set(entry.pid, entry);
      found.push(entry);
    };
    const expand = (entry: ProcessEntry): void => {
      for (const child of children.get(entry.pid) ?? []) consider(child);
      if (leadsGroupOrSession(entry) && !this.leaders.has(entry.pid)) {
        this.leaders.set(entry.pid, entry);
        for (const member of byGroupOrSession.get(entry.pid) ?? []) if (startedAtOrAfter(member, entry)) consider(member);
      }
    };

    const rootNow = table.get(this.rootPid);
    if (this.rootRunning && isSameLiveProcess(rootEntry, rootNow)) expand(rootNow!);
    for (const entry of [...this.known.values()]) {
      const now = table.get(entry.pid);
      if (isSameLiveProcess(entry, now)) expand(now!);
    }
    for (const [id, leader] of this.leaders) {
      const members = byGroupOrSession.get(id) ?? [];
      const leaderRuns = isSameLiveProcess(leader, table.get(id)) && (id !== this.rootPid || this.rootRunning);
      if (members.length > 0 || leaderRuns) {
        this.vacantLeaders.delete(id);
        for (const member of members) if (startedAtOrAfter(member, leader)) consider(member);
      } else if (this.vacantLeaders.has(id)) {
        // Empty in two scans in a row, the second listed after the first read
        // the leader: nothing can hold the id any more, so it may be reused.
        this.leaders.delete(id);
        this.vacantLeaders.delete(id);
      } else {
        this.vacantLeaders.add(id);
      }
    }
    if (this.soleChild) {
      for (const child of children.get(process.pid) ?? []) if (startedAtOrAfter(child, rootEntry)) consider(child);
    }
    for (let index = 0; index < found.length; index++) expand(found[index]!);
    const settled = !this.rootRunning && ![...this.known.values()].some((entry) => isSameLiveProcess(entry, table.get(entry.pid)));
    this.confirmedEmpty = settled && found.length === 0 && this.lastScanSettled;
    this.lastScanSettled = settled;
  }

  /** Known members still alive (zombies count as gone: they are dead, only not yet reaped). */
  aliveMembers(): number[] {
    return [...this.known.values()].filter((entry) => isSameLiveProcess(entry, readProcess(entry.pid))).map((entry) => entry.pid);
  }

  /**
   * Whether nothing of the tree is left, the root having exited (call
   * `rootExited()` and `scan()` first). On Linux, when the last scan found the
   * root exited and every member dead, one more scan confirms that none of
   * them forked meanwhile (see `lastScanSettled`).
   */
  isEmpty(): boolean {
    if (!this.searchable) {
      // No /proc: only the group can be checked (zombies still count as members there).
      return !this.rootRunning && (!this.leadsGroup || !groupExists(this.rootPid));
    }
    if (this.lastScanSettled && !this.confirmedEmpty) this.scan();
    return this.confirmedEmpty;
  }

  /**
   * Whether the tree as followed is all of it. Linux, a root that shares its
   * session with this process: reads /proc once more for processes of that
   * session that started after the root (in the same clock tick or later) and
   * whose parent has exited, or is PID 1, or is outside the session (a
   * re-parented orphan); those not known as members of this tree or of another
   * tree this process follows are unattributed.
   */
  completeness(): TreeCompleteness {
    if (!this.wholeTree) return { complete: true, incompleteReason: null, unattributedPids: [] };
    if (!this.searchable) return { complete: false, incompleteReason: 'cannot-list-processes', unattributedPids: [] };
    const rootEntry = this.rootEntry!;
    // A root leading its session has every process of it as a member.
    const table = rootEntry.sid === this.rootPid ? undefined : readProcessTable();
    const unattributedPids: number[] = [];
    for (const entry of table?.values() ?? []) {
      if (entry.sid !== rootEntry.sid || entry.pid === entry.sid || entry.pid === process.pid || entry.pid === this.rootPid) continue;
      if (!isLive(entry) || !startedAtOrAfter(entry, rootEntry)) continue;
      const parent = table!.get(entry.ppid);
      const orphaned = entry.ppid === 1 || parent === undefined || parent.sid !== entry.sid;
      if (orphaned && ![...ProcessTree.followed].some((tree) => tree.knows(entry)) && !this.knows(entry)) unattributedPids.push(entry.pid);
    }
    return unattributedPids.length === 0
      ? { complete: true, incompleteReason: null, unattributedPids }
      : { complete: false, incompleteReason: 'unattributed-processes', unattributedPids };
  }

  /**
   * Sends `signal` to the root (while it runs) and every live member, each
   * exactly once: a farewell program takes a second SIGINT or SIGTERM as
   * "force". When the root leads a group, one `kill(-pgid)` reaches the group
   * (see `signalTree`). Returns the known pids signalled (on systems without
   * /proc a group's members cannot be listed) and those this process is not
   * permitted to signal.
   */
  signalAll(signal: NodeJS.Signals): { signalled: number[]; refused: number[] } {
    // Fresh entries: a member may have moved to another group since it was found.
    const members: ProcessEntry[] = [];
    for (const entry of this.known.values()) {
      const now = readProcess(entry.pid);
      if (now !== undefined && isSameLiveProcess(entry, now)) members.push(now);
    }
    const { rootPid, rootRunning, leadsGroup } = this;
    return signalTree({ rootPid, rootRunning, leadsGroup, rootListed: this.rootEntry !== undefined, members }, signal);
  }
}
