// Stop a child and everything it started: SIGTERM to every process, 1 s to
// stop, then SIGKILL for what is left. Run: node examples/process/stop-a-tree.mjs
import { spawn } from 'node:child_process';
import { findDescendants, terminate } from 'farewell/process';

// sh → (sleep, and an inner sh that ignores SIGTERM → its sleep, which inherits that)
const child = spawn('sh', ['-c', `sleep 600 & sh -c 'trap "" TERM; sleep 600 & wait' & wait`], { stdio: 'inherit' });
await new Promise((resolve) => setTimeout(resolve, 200)); // let the tree start

console.log(`tree of ${child.pid}:`, findDescendants(child.pid) ?? '(listing processes needs /proc: Linux)');
const result = await terminate(child, { timeout: 1000 });
console.log(result);
// { code: null, signal: 'SIGTERM', killed: true, killedPids: [<inner sh>, <its sleep>], survivingPids: [] }
