// A child process that exits gracefully when its parent dies, even by SIGKILL.
// The parent forks this file, then kills itself with SIGKILL; the child's
// exit hook still runs. Run: node examples/process/child-follows-parent.mjs
import { fork } from 'node:child_process';
import { onExit } from 'farewell';
import { exitWithParent } from 'farewell/process';

if (process.argv[2] === 'child') {
  onExit(({ trigger }) => console.log(`child: cleaning up (${trigger.source})`));
  exitWithParent();
  setInterval(() => {}, 1000); // busy forever, as far as it knows
  process.send('ready');
} else {
  const child = fork(new URL(import.meta.url).pathname, ['child']);
  child.once('message', () => {
    console.log('parent: killing myself with SIGKILL');
    process.kill(process.pid, 'SIGKILL');
  });
}
