// A BullMQ worker (Redis): at SIGTERM (or Ctrl+C) worker.close() takes no new
// job and waits for the active ones to finish, so none is left stalled (a
// killed worker's active jobs wait for the stalled check, 30 s by default,
// and then run again).
//   REDIS_PORT=6379 node examples/stacks/bullmq-worker.mjs
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'bullmq';
import { onExit } from 'farewell';

const connection = { host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), maxRetriesPerRequest: null };

const worker = new Worker(
  'emails',
  async (job) => {
    // The work: something outside Redis (an e-mail), here a line in a file.
    if (process.env.EFFECTS_FILE) appendFileSync(process.env.EFFECTS_FILE, `${job.id}\n`);
    await sleep(5 + (job.data.n % 10)); // 5–14 ms
  },
  { connection, concurrency: 4 },
);
worker.on('completed', (job) => console.log(`done ${job.id}`));
worker.on('error', (error) => console.error(error));

onExit(
  async () => {
    await worker.close(); // waits for the active jobs
    console.log('worker closed');
  },
  { name: 'bullmq worker' },
);

await worker.waitUntilReady();
console.log('ready');
