// Stop a child and everything it started: SIGTERM to every process, 1 s to
// stop, then SIGKILL for what is left. Run: node examples/process/stop-a-tree.mjs
import { spawn } from 'node:child_process';
import { findDescendants, terminate } from 'farewell/process';

// sh → sleep; sh → an inner sh that ignores SIGTERM → its sleep, which inherits that;
// and a double fork: ( sleep & ) leaves a sleep re-parented to init.
// detached: true gives the child a session of its own, where that sleep stays findable.
const script = `sleep 600 & sh -c 'trap "" TERM; sleep 600 & wait' & (sleep 600 &) ; wait`;
const child = spawn('sh', ['-c', script], { stdio: 'inherit', detached: true });
await new Promise((resolve) => setTimeout(resolve, 200)); // let the tree start

console.log(`descendants of ${child.pid} by parent pid:`, findDescendants(child.pid) ?? '(listing processes needs /proc: Linux)');
const result = await terminate(child, { timeout: 1000 });
console.log(result);
// { code: null, signal: 'SIGTERM', killed: true, killedPids: [<inner sh>, <its sleep>], survivingPids: [],
//   complete: true, incompleteReason: null, unattributedPids: [] }
