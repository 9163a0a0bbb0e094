// BullMQ with a real Redis (started here): examples/stacks/bullmq-worker.mjs
// under load, stopped by SIGTERM at random moments: the active jobs finish,
// none is left stalled, none is lost or done twice.
//   FAREWELL_BULLMQ_ROUNDS=100 FAREWELL_BULLMQ_SEED=1234 node --test test/stacks/bullmq.test.mjs
// replays a seed (printed by each run) with more rounds.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { startRedis } from '../helpers/redis.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';
import { skipUnlessHeavyRun } from '../helpers/heavy-tests.mjs';
import { skipUnlessInstalled } from '../helpers/system-programs.mjs';
import { randomFrom as random } from '../../bench/lib/seeded-random.mjs';

const EXAMPLE = fileURLToPath(new URL('../../examples/stacks/bullmq-worker.mjs', import.meta.url));
/** SIGTERM rounds; CI default 20 (about 0.5 s each). */
const ROUNDS = Number(process.env.FAREWELL_BULLMQ_ROUNDS ?? 20);
const JOBS = 3000;
const SEED = Number(process.env.FAREWELL_BULLMQ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const LATEST_MS = 200;

const skip = skipUnlessHeavyRun('the BullMQ worker') || skipUnlessInstalled({ 'redis-server': 'redis-server' });

describe('BullMQ worker (Redis)', { skip }, () => {
  let redis;
  let queue;
  const effects = join(tmpdir(), `farewell-bullmq-effects-${process.pid}`);

  before(async () => {
    process.stderr.write(`bullmq test: seed ${SEED}, ${ROUNDS} rounds (replay: FAREWELL_BULLMQ_SEED=${SEED})\n`);
    redis = await startRedis();
    queue = new Queue('emails', { connection: { host: '127.0.0.1', port: redis.port } });
    await queue.addBulk(Array.from({ length: JOBS }, (_, n) => ({ name: 'send', data: { n }, opts: { removeOnComplete: false } })));
    writeFileSync(effects, '');
  });
  after(async () => {
    await queue?.close();
    await redis?.stop();
    rmSync(effects, { force: true });
  });

  test(`SIGTERM at ${ROUNDS} random moments: active jobs finish; none stalled, lost or done twice`, async () => {
    const next = random(SEED);
    let completed = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const delay = Math.floor(next() * LATEST_MS);
      const result = await spawnProcess(process.execPath, [EXAMPLE], {
        env: { ...process.env, NODE_DEBUG: '', REDIS_PORT: String(redis.port), EFFECTS_FILE: effects },
        onLine: (line, child) => {
          if (line === 'ready') setTimeout(() => child.kill('SIGTERM'), delay);
        },
      }).done;
      const context = `round ${round}, stop ${delay} ms after ready (FAREWELL_BULLMQ_SEED=${SEED}); stderr: ${result.stderr}`;
      assert.deepEqual([result.code, result.signal], [null, 'SIGTERM'], context);
      assert.equal(result.stderr, '', context);
      assert.equal(result.lines[0], 'ready', context);
      assert.equal(result.lines.at(-1), 'worker closed', context);
      completed += result.lines.filter((line) => line.startsWith('done ')).length;
      // No job is left active by a worker that is gone: none will stall.
      assert.equal(await queue.getActiveCount(), 0, context);
    }
    const counts = await queue.getJobCounts('active', 'completed', 'wait', 'failed', 'delayed');
    const times = new Map();
    for (const id of readFileSync(effects, 'utf8').split('\n').filter(Boolean)) times.set(id, (times.get(id) ?? 0) + 1);
    process.stderr.write(`bullmq SIGTERM: ${ROUNDS} rounds, ${counts.completed} jobs completed, ${[...times.values()].filter((n) => n > 1).length} done twice, ${counts.active} active left\n`);
    assert.deepEqual(counts, { active: 0, completed, wait: JOBS - completed, failed: 0, delayed: 0 });
    assert.equal(times.size, completed, 'every completed job was worked on, and only those');
    assert.ok([...times.values()].every((n) => n === 1), 'no job done twice');
    assert.ok(counts.wait > 0, 'the queue never ran dry: every stop happened under load');
  });
});
