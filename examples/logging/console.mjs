// console.log to a pipe is asynchronous in Node: farewell waits until stdout
// and stderr have handed everything to the OS before the process ends.
// Nothing to add.
//   node examples/logging/console.mjs | slow-consumer
import { onExit } from 'farewell';

onExit(async ({ trigger }) => {
  console.log(JSON.stringify({ msg: 'shutting down', trigger: trigger.signal ?? trigger.kind }));
}, { name: 'shutdown' });

for (let n = 0; n < 10_000; n++) console.log(JSON.stringify({ msg: 'working', n }));
console.error('ready');
setInterval(() => {}, 1 << 30);
