// A proxy's upstream pool in front of the server (bench/lib/pool-client.mjs):
// 32 keep-alive connections warmed and then idle for 300 ms; at SIGTERM the
// pool, unaware of it, keeps sending a request every 2 ms (a POST every
// other one) on its most recently used connection still open, as nginx does
// under light load. Requests lost per round (a reset, or a connection closed
// under a request) and SIGTERM → process gone. Target for farewell: 0 lost.
import { createPool } from '../lib/pool-client.mjs';
import { fixed, median, percentile, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { FAREWELL_CLOSE, startServer, tally } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const CONNECTIONS = 32;
const INTERVAL_MS = 2;
const VARIANTS = ['farewell', FAREWELL_CLOSE, 'http-terminator', 'server.close()', '@godaddy/terminus'];
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function round(variant) {
  const { child, port, ended } = await startServer(variant, {}, { limitMs: 20_000 });
  const pool = await createPool(port, { connections: CONNECTIONS, warmPath: '/who' });
  await sleep(300);
  const sent = performance.now();
  child.kill('SIGTERM');
  let gone = false;
  const end = ended.then((result) => ((gone = true), result));
  const replies = [];
  // Most recently used first: a pool reuses the connection it just got back.
  const order = pool.connections.map((_, index) => index).reverse();
  for (let count = 0; !gone && performance.now() - sent < 10_000; count++) {
    const index = order.find((candidate) => pool.connections[candidate].usable && pool.connections[candidate].pending.length === 0);
    if (index === undefined) break; // every connection is gone: the pool would connect anew (refused or elsewhere)
    replies.push(pool.send(index, count % 2 === 0 ? { path: '/who' } : { method: 'POST', path: '/who', body: 'x' }));
    order.splice(order.indexOf(index), 1);
    order.unshift(index);
    await sleep(INTERVAL_MS);
  }
  const result = await end;
  const settled = await Promise.all(replies);
  pool.close();
  return { ms: result.at - sent, lost: settled.filter((reply) => reply.error !== undefined).length, sent: settled.length };
}

export async function run() {
  const samples = await sampleRoundRobin(VARIANTS, ROUNDS, round);
  const rows = VARIANTS.map((variant) => {
    const list = samples[variant];
    const ms = list.map((s) => s.ms);
    return [variant, tally(list.map((s) => s.lost)), list.reduce((sum, s) => sum + s.lost, 0), fixed(median(ms), 1), fixed(percentile(ms, 0.9), 1)];
  });
  printSection(`A proxy's pool at SIGTERM (${CONNECTIONS} pooled connections idle for 300 ms, then a request every ${INTERVAL_MS} ms on the most recently used one)`, ['library', 'requests lost per round', 'total', 'SIGTERM → gone, median ms', 'p90 ms'], rows, [
    `${ROUNDS} rounds per library, interleaved; about ${fixed(median(samples.farewell.map((s) => s.sent)), 0)} requests sent after SIGTERM per round. A lost request was sent on a pooled connection and got no answer (a reset, or the connection closed under it): a proxy returns 502 for a POST. farewell's default leaves each pooled connection to the pool, which uses it once more (answered with Connection: close), so the exit follows the pool's pace. Target for farewell: 0 lost.`,
  ]);
}
