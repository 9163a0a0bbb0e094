// winston with a File transport: end the logger in the last hook and wait
// until the file transport has finished writing.
//   LOG_FILE=app.log node examples/logging/winston.mjs
import winston from 'winston';
import { configure, onExit } from 'farewell';

const file = new winston.transports.File({ filename: process.env.LOG_FILE ?? 'app.log' });
const logger = winston.createLogger({ format: winston.format.json(), transports: [file] });
configure({ logger: (message) => logger.error(message) });

// Registered first, so it runs last.
onExit(async () => {
  const finished = new Promise((resolve) => file.once('finish', resolve));
  logger.end();
  await finished;
}, { name: 'flush logs' });

onExit(async ({ trigger }) => {
  logger.info('shutting down', { trigger: trigger.signal ?? trigger.kind });
}, { name: 'shutdown' });

for (let n = 0; n < 10_000; n++) logger.info('working', { n });
console.log('ready');
setInterval(() => {}, 1 << 30);
