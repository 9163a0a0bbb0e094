// /proc checks for tests that start processes: record a process by pid and
// start time, later assert it is gone (a pid reused meanwhile has another start time).
import { readFileSync } from 'node:fs';

/** The fields of /proc/<pid>/stat after the command name (state first), or undefined if it does not exist. */
function statFields(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The start time of a process (clock ticks since boot): with the pid, it identifies one process. */
export function startTime(pid) {
  return statFields(pid)?.[19];
}

/** The state letter (S, R, Z…) of a process, or undefined if it does not exist. */
export function processState(pid) {
  return statFields(pid)?.[0];
}

/** Records processes (by pid) while they run. */
export function recordProcesses(pids) {
  return pids.map((pid) => ({ pid, startTime: startTime(pid) }));
}

/**
 * The recorded processes still present, zombies included: a recorded process
 * counts as gone when /proc has no such pid, or the pid now names a newer process.
 */
export function remaining(records) {
  return records.filter(({ pid, startTime: recorded }) => recorded !== undefined && startTime(pid) === recorded).map(({ pid }) => `${pid} (${processState(pid)})`);
}

/** Parses "pid <role> <pid> <start time>" events: { pids: { role: pid }, records }. */
export function processesFromEvents(events) {
  const pids = {};
  const records = [];
  for (const event of events) {
    const match = /^pid (\S+) (\d+) (\S+)$/.exec(event);
    if (!match) continue;
    pids[match[1]] = Number(match[2]);
    records.push({ pid: Number(match[2]), startTime: match[3] });
  }
  return { pids, records };
}

/**
 * Waits until none of the recorded processes exists, zombies included, and
 * returns those still there after `limitMs` (an empty array when all are
 * gone). Polls: a test cannot await the end of a process it is not the parent
 * of. Orphaned zombies belong to init (PID 1), which reaps them on its own
 * schedule, so a zombie is given that time too before it counts as left behind.
 */
export async function waitUntilGone(records, limitMs = 10_000) {
  const until = performance.now() + limitMs;
  for (;;) {
    const left = remaining(records);
    if (left.length === 0 || performance.now() > until) return left;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Running (not zombie) processes among the recorded ones: these were not stopped at all. */
export function running(records) {
  return remaining(records).filter((description) => !description.endsWith('(Z)'));
}
