import type { ProcessEntry } from './process-table.js';

/** A tree as it stands when it is signalled. */
export interface TreeToSignal {
  readonly rootPid: number;
  readonly rootRunning: boolean;
  /** The root leads its own process group: `kill(-root)` reaches the whole group. */
  readonly leadsGroup: boolean;
  /** The root was read from /proc when the tree was first followed (Linux). */
  readonly rootListed: boolean;
  /** The live members, read just now (with their current group). */
  readonly members: readonly ProcessEntry[];
}

/**
 * Sends `signal` to the root of `tree` (while it runs) and every member,
 * each exactly once. When the root leads a group, one `kill(-pgid)` reaches
 * the root and the group at once (atomically: even processes forked a moment
 * ago); members outside the group are signalled one by one. Returns the
 * known pids signalled and those this process is not permitted to signal.
 */
export function signalTree(tree: TreeToSignal, signal: NodeJS.Signals): { signalled: number[]; refused: number[] } {
  const { rootPid, rootRunning, members } = tree;
  const signalled: number[] = [];
  const refused: number[] = [];
  let groupSignalled = false;
  let rootSignalled = false;
  if (tree.leadsGroup && (rootRunning || !tree.rootListed || members.some((entry) => entry.pgid === rootPid))) {
    // After the root is gone the group id stays reserved while any member
    // lives, so the group cannot be confused with a newer one.
    const outcome = sendSignal(-rootPid, signal);
    if (outcome === 'refused') refused.push(rootPid);
    groupSignalled = outcome === 'sent';
    rootSignalled = groupSignalled && rootRunning;
  } else if (rootRunning) {
    const outcome = sendSignal(rootPid, signal);
    if (outcome === 'refused') refused.push(rootPid);
    rootSignalled = outcome === 'sent';
  }
  if (rootSignalled) signalled.push(rootPid);
  for (const entry of members) {
    if (groupSignalled && entry.pgid === rootPid) {
      signalled.push(entry.pid);
      continue;
    }
    const outcome = sendSignal(entry.pid, signal);
    if (outcome === 'refused') refused.push(entry.pid);
    else if (outcome === 'sent') signalled.push(entry.pid);
  }
  return { signalled, refused };
}

/** Whether process group `pgid` has a process in it (one this process may not signal counts). */
export function groupExists(pgid: number): boolean {
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
