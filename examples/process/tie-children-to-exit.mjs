// Children registered with stopOnExit() are stopped, all at once, when this
// program exits: here by exit() after 300 ms, or by Ctrl+C / SIGTERM before.
// Run: node examples/process/tie-children-to-exit.mjs
import { spawn } from 'node:child_process';
import { exit, onExit } from 'farewell';
import { stopOnExit } from 'farewell/process';

// Hooks run newest first: registered before the children, this one runs after they are stopped.
onExit(() => console.log('all children stopped'));

for (const name of ['db-proxy', 'queue-worker']) {
  const program = `process.on('SIGTERM', () => { console.log('${name}: cleaning up'); process.exit(0); }); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['-e', program], { stdio: 'inherit' });
  stopOnExit(child, { timeout: 2000 });
}

setTimeout(() => {
  try {
    exit(0);
  } catch {
    // exit() throws SystemExit to unwind this callback; the exit goes on.
  }
}, 300);
