// Demo: a process tree stopped completely, one stubborn grandchild killed.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { findDescendants, terminate } from 'farewell/process';

export const title = 'Stopping a whole process tree (farewell/process)';

function describe(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').filter(Boolean).join(' ');
    const state = stat.slice(stat.lastIndexOf(')') + 2)[0];
    return { state, cmdline: cmdline.length > 60 ? `${cmdline.slice(0, 57)}...` : cmdline };
  } catch {
    return undefined;
  }
}

export async function run() {
  if (process.platform !== 'linux') {
    console.log('(skipped: listing a process tree needs /proc, on Linux)');
    return;
  }
  // sh → sleep, and sh → inner sh → sleep, where the inner sh ignores SIGTERM
  // (and so does its sleep: an ignored signal stays ignored across exec).
  const script = `sleep 600 & sh -c 'trap "" TERM; sleep 600 & wait' & wait`;
  const child = spawn('sh', ['-c', script], { stdio: 'ignore' });
  let tree = [];
  for (let tries = 0; tries < 200 && tree.length < 3; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    tree = findDescendants(child.pid);
  }
  if (tree.length !== 3) throw new Error(`the demo tree did not start: ${tree.length} descendants`);
  const all = [child.pid, ...tree];
  console.log('A child process and what it started, read from /proc:');
  for (const pid of all) console.log(`  ${pid}  ${describe(pid).cmdline}`);

  console.log('\nterminate(child, { timeout: 1000 }): SIGTERM to each process once, 1 s to stop, then SIGKILL…');
  const started = performance.now();
  const result = await terminate(child, { timeout: 1000 });
  console.log(`resolved after ${Math.round(performance.now() - started)} ms:`, result);

  const left = all.filter((pid) => {
    const entry = describe(pid);
    return entry !== undefined && entry.state !== 'Z';
  });
  console.log(`\nStill running, per /proc: ${left.length === 0 ? 'nothing' : left.join(', ')}`);
  console.log(`Had to be killed with SIGKILL: ${result.killedPids.join(', ')} (the inner sh and its sleep, which ignore SIGTERM)`);
  if (left.length > 0) throw new Error(`processes left running: ${left.join(', ')}`);
  if (result.signal !== 'SIGTERM' || !result.killed || result.killedPids.length !== 2) {
    throw new Error(`unexpected result: ${JSON.stringify(result)}`);
  }
}
