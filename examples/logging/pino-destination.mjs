// pino writing on the main thread, asynchronously (pino.destination with
// sync: false, the fastest mode): flush(cb) in the last hook writes what is
// still buffered, after the write in progress (flushSync() would not wait for
// it, and the lines could land out of order).
//   LOG_FILE=app.log node examples/logging/pino-destination.mjs
import pino from 'pino';
import { configure, onExit } from 'farewell';

const destination = pino.destination({ dest: process.env.LOG_FILE ?? 1, sync: false, minLength: 4096 });
const logger = pino(destination);
configure({ logger: (message) => logger.error(message) });

// Registered first, so it runs last.
onExit(() => new Promise((resolve, reject) => destination.flush((error) => (error ? reject(error) : resolve()))), { name: 'flush logs' });

onExit(async ({ trigger }) => {
  logger.info({ trigger: trigger.signal ?? trigger.kind }, 'shutting down');
}, { name: 'shutdown' });

await new Promise((resolve) => destination.once('ready', resolve));
for (let n = 0; n < 10_000; n++) logger.info({ n }, 'working');
console.log('ready');
setInterval(() => {}, 1 << 30);
