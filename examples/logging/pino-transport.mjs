// pino with a worker-thread transport (pino/file, pino-pretty, any target):
// every line reaches the file, however the process ends.
//   LOG_FILE=app.log node examples/logging/pino-transport.mjs
import pino from 'pino';
import { configure, onExit } from 'farewell';

const transport = pino.transport({ target: 'pino/file', options: { destination: process.env.LOG_FILE ?? 1 } });
const logger = pino(transport);

// farewell's own messages (a hook that failed, the deadline) go to the log too.
configure({ logger: (message) => logger.error(message) });

// Registered first, so it runs last: after every hook that logs.
onExit(() => new Promise((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve()))), { name: 'flush logs' });

onExit(async ({ trigger }) => {
  logger.info({ trigger: trigger.signal ?? trigger.kind }, 'shutting down');
}, { name: 'shutdown' });

await new Promise((resolve) => transport.once('ready', resolve));
for (let n = 0; n < 10_000; n++) logger.info({ n }, 'working');
console.log('ready');
setInterval(() => {}, 1 << 30); // a server would keep the process alive
