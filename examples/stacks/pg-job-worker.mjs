// A job worker on PostgreSQL with pg: each job is taken with
// SELECT … FOR UPDATE SKIP LOCKED inside a transaction, worked on, marked done
// and committed. At SIGTERM (or Ctrl+C) it takes no new job, finishes the
// ones in flight, commits them, and only then ends the pool.
//   DATABASE_URL=postgres://… node examples/stacks/pg-job-worker.mjs
// (the table: CREATE TABLE jobs (id serial PRIMARY KEY, status text NOT NULL DEFAULT 'queued'))
import { appendFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { onExit, shutdownSignal } from 'farewell';

const CONCURRENCY = Number(process.env.CONCURRENCY ?? 4);
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: CONCURRENCY });

/** The work: something outside the database (an e-mail, a payment call), here a line in a file. */
async function perform(job) {
  if (process.env.EFFECTS_FILE) appendFileSync(process.env.EFFECTS_FILE, `${job.id}\n`);
  await sleep(5 + (job.id % 10)); // 5–14 ms
}

/** Takes one job and completes it in one transaction; false when the queue is empty. */
async function workOne() {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query("SELECT id FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED");
    if (rows.length === 0) {
      await client.query('ROLLBACK');
      return false;
    }
    await perform(rows[0]);
    await client.query("UPDATE jobs SET status = 'done' WHERE id = $1", [rows[0].id]);
    await client.query('COMMIT');
    console.log(`done ${rows[0].id}`);
    return true;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** One of CONCURRENCY loops: no new job once the exit has begun. */
async function workLoop() {
  while (!shutdownSignal.aborted) {
    if (await workOne()) continue;
    if (process.env.EXIT_WHEN_EMPTY === '1') return;
    await sleep(100, undefined, { signal: shutdownSignal }).catch(() => {}); // the exit ends the wait
  }
}

const working = Promise.all(Array.from({ length: CONCURRENCY }, workLoop));

onExit(
  async () => {
    await working; // the jobs in flight finish and commit
    await pool.end();
    console.log('pool ended');
  },
  { name: 'job worker' },
);
console.log('ready');
