// Ctrl+C on a program with async exit hooks: the hooks run to completion,
// then the process dies by SIGINT itself, so a shell script running it stops
// too. A second Ctrl+C would end it at once.
import { onExit, shutdownSignal } from 'farewell';
import { setTimeout as sleep } from 'node:timers/promises';

onExit(async () => {
  await sleep(100);
  console.log('hook: flushed 3 pending jobs to the queue');
});
onExit(async ({ trigger }) => {
  console.log(`hook: stopping workers (exit started by ${trigger.signal})`);
  await sleep(50);
});

console.log('working… press Ctrl+C');
let processed = 0;
while (!shutdownSignal.aborted) {
  processed++;
  await sleep(20); // real work would pass { signal: shutdownSignal } to fetch, streams…
}
console.log(`loop stopped after ${processed} items: shutdownSignal aborted`);
