// PostgreSQL with pg (a real server, started here): examples/stacks/pg-job-worker.mjs
// under load, stopped by SIGTERM at random moments: no job is lost, none is
// done twice, and the pool ends after the last job. Then the same with
// SIGKILL: the transaction alone loses no job, but work already done outside
// the database is done again.
//   FAREWELL_PG_ROUNDS=200 FAREWELL_PG_SEED=1234 node --test test/stacks/postgres.test.mjs
// replays a seed (printed by each run) with more rounds.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgres } from '../helpers/postgres.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';
import { skipUnlessHeavyRun } from '../helpers/heavy-tests.mjs';
import { skipUnlessInstalled } from '../helpers/system-programs.mjs';
import { randomFrom as random } from '../../bench/lib/seeded-random.mjs';

const EXAMPLE = fileURLToPath(new URL('../../examples/stacks/pg-job-worker.mjs', import.meta.url));
/** SIGTERM rounds; CI default 50 (about 0.4 s each). */
const ROUNDS = Number(process.env.FAREWELL_PG_ROUNDS ?? 50);
/** SIGKILL rounds: enough to show what the transaction alone does. */
const KILL_ROUNDS = 10;
const JOBS = 4000;
const SEED = Number(process.env.FAREWELL_PG_SEED ?? Math.floor(Math.random() * 2 ** 31));
/** The latest moment of a stop after the worker is ready, in ms. */
const LATEST_MS = 200;

const skip = skipUnlessHeavyRun('the PostgreSQL job worker') || skipUnlessInstalled({ initdb: 'postgresql', postgres: 'postgresql', pg_isready: 'postgresql-client', setpriv: 'util-linux' });

describe('PostgreSQL job worker (pg, FOR UPDATE SKIP LOCKED)', { skip, concurrency: 1 }, () => {
  let server;
  let client;
  const effects = join(tmpdir(), `farewell-pg-effects-${process.pid}`);

  before(async () => {
    process.stderr.write(`postgres test: seed ${SEED}, ${ROUNDS} rounds (replay: FAREWELL_PG_SEED=${SEED})\n`);
    server = await startPostgres();
    client = new pg.Client({ connectionString: server.connectionString });
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await server?.stop();
    rmSync(effects, { force: true });
  });

  async function resetJobs() {
    await client.query('DROP TABLE IF EXISTS jobs; CREATE TABLE jobs (id serial PRIMARY KEY, status text NOT NULL DEFAULT \'queued\')');
    await client.query('INSERT INTO jobs (status) SELECT \'queued\' FROM generate_series(1, $1)', [JOBS]);
    writeFileSync(effects, '');
  }

  /** Starts a worker; once it is ready, waits `delayMs` and sends `signal`; resolves when it has exited. */
  function runWorker(signal, delayMs) {
    return spawnProcess(process.execPath, [EXAMPLE], {
      env: { ...process.env, NODE_DEBUG: '', DATABASE_URL: server.connectionString, EFFECTS_FILE: effects },
      onLine: (line, child) => {
        if (line === 'ready') setTimeout(() => child.kill(signal), delayMs);
      },
    }).done;
  }

  /** How the jobs stand: done, still queued, and how often each job's outside work happened. */
  async function tally() {
    const { rows } = await client.query('SELECT status, count(*)::int AS n FROM jobs GROUP BY status');
    const count = Object.fromEntries(rows.map((row) => [row.status, row.n]));
    const times = new Map();
    for (const id of readFileSync(effects, 'utf8').split('\n').filter(Boolean)) times.set(id, (times.get(id) ?? 0) + 1);
    const { rows: done } = await client.query("SELECT id::text FROM jobs WHERE status = 'done'");
    const doneIds = new Set(done.map((row) => row.id));
    return {
      done: count.done ?? 0,
      queued: count.queued ?? 0,
      doneTwice: [...times.values()].filter((n) => n > 1).length,
      // Worked on outside the database, but rolled back: it will be done again.
      workedButNotDone: [...times.keys()].filter((id) => !doneIds.has(id)).length,
      doneWithoutWork: [...doneIds].filter((id) => !times.has(id)).length,
    };
  }

  test(`SIGTERM at ${ROUNDS} random moments: 0 jobs lost, 0 done twice, the pool ended after the last job`, async () => {
    await resetJobs();
    const next = random(SEED);
    let committed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const delay = Math.floor(next() * LATEST_MS);
      const result = await runWorker('SIGTERM', delay);
      const context = `round ${round}, stop ${delay} ms after ready (FAREWELL_PG_SEED=${SEED}); stderr: ${result.stderr}`;
      assert.deepEqual([result.code, result.signal], [null, 'SIGTERM'], context);
      assert.equal(result.stderr, '', context);
      // Every line after 'ready' is a committed job, and 'pool ended' comes last.
      const [first, ...rest] = result.lines;
      assert.equal(first, 'ready', context);
      assert.equal(rest.at(-1), 'pool ended', context);
      assert.ok(rest.slice(0, -1).every((line) => /^done \d+$/.test(line)), context);
      committed += rest.length - 1;
    }
    const counts = await tally();
    process.stderr.write(`postgres SIGTERM: ${ROUNDS} rounds, ${counts.done} jobs done, ${counts.doneTwice} done twice, ${counts.workedButNotDone} worked on but rolled back\n`);
    assert.equal(counts.done, committed);
    assert.equal(counts.done + counts.queued, JOBS, 'no job lost');
    assert.deepEqual([counts.doneTwice, counts.workedButNotDone, counts.doneWithoutWork], [0, 0, 0]);
    assert.ok(counts.queued > 0, 'the queue never ran dry: every stop happened under load');
  });

  test(`SIGKILL at ${KILL_ROUNDS} random moments: the transaction loses no job, but work in flight is done again`, async () => {
    await resetJobs();
    const next = random(SEED + 1);
    for (let round = 0; round < KILL_ROUNDS; round++) {
      const result = await runWorker('SIGKILL', Math.floor(next() * LATEST_MS));
      assert.equal(result.signal, 'SIGKILL');
    }
    const counts = await tally();
    process.stderr.write(`postgres SIGKILL: ${KILL_ROUNDS} rounds, ${counts.done} jobs done, ${counts.doneTwice} done twice, ${counts.workedButNotDone} worked on but rolled back\n`);
    assert.equal(counts.done + counts.queued, JOBS, 'no job lost: an unfinished transaction is rolled back');
    assert.equal(counts.doneWithoutWork, 0);
    // Killed between the outside work and the commit: the job went back to
    // the queue, and the next worker did it again.
    assert.ok(counts.doneTwice + counts.workedButNotDone > 0, 'some work was done twice (or will be)');
  });
});
