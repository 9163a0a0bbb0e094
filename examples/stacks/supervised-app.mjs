// An application as PM2, nodemon, node --watch or tsx run it: two exit hooks,
// PM2's readiness message and its 'shutdown' message.
//   pm2 start examples/stacks/ecosystem.config.cjs
//   nodemon --signal SIGTERM examples/stacks/supervised-app.mjs
import { onExit, requestExit } from 'farewell';

onExit(async () => {
  await new Promise((resolve) => setTimeout(resolve, 100));
  console.log('database closed');
}, { name: 'close-db' });
onExit(async ({ trigger }) => {
  await new Promise((resolve) => setTimeout(resolve, 300));
  console.log(`metrics flushed (stopped by ${trigger.signal ?? trigger.source ?? trigger.kind})`);
}, { name: 'flush-metrics' });

// PM2 with shutdown_with_message: true sends 'shutdown' instead of SIGINT.
process.on('message', (message) => {
  if (message === 'shutdown') requestExit('pm2 shutdown message');
});

setInterval(() => {}, 1 << 30); // a server would keep the process alive
console.log('ready');
// PM2 with wait_ready: true waits for this before it calls the app online
// (and, on a reload, before it stops the old instance).
process.send?.('ready');
