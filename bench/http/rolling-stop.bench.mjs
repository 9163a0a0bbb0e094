// A rolling stop behind a TCP router (kube-proxy's behaviour: a connection
// stays with the backend it was given; new connections stop going to the
// stopping instance 500 ms after SIGTERM, as endpoints lag), 16 keep-alive
// client connections under back-to-back load, every library given the same
// 700 ms drain delay: failed requests per round, and how long after the delay
// the instance is gone. Target for farewell: zero failed requests over
// all rounds, gone within delay + 50 ms.
import { fixed, median, percentile, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { startLoad } from '../lib/load.mjs';
import { createRouter } from '../lib/router.mjs';
import { PEERS, startServer, tally } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 10);
const ROUTING_LAG_MS = 500;
const DELAY_MS = 700;
const CONNECTIONS = 16;

async function round(variant, staying) {
  const stopping = await startServer(variant, { delay: DELAY_MS });
  const router = await createRouter([stopping.port, staying.port], { mode: 'tcp' });
  const load = startLoad(router.port, { connections: CONNECTIONS, path: '/', maxMs: 10_000 });
  try {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const sent = performance.now();
    stopping.child.kill('SIGTERM');
    router.removeAfter(stopping.port, ROUTING_LAG_MS);
    const end = await stopping.ended;
    await new Promise((resolve) => setTimeout(resolve, 100));
    const summary = await load.stop();
    return { failed: summary.failedAfterSent + summary.refused, afterDelay: end.at - sent - DELAY_MS, total: summary.total, killed: end.killed };
  } finally {
    await load.stop();
    await router.close();
  }
}

export async function run() {
  const staying = await startServer('untracked', {}, { limitMs: 30 * 60_000 });
  let samples;
  try {
    samples = await sampleRoundRobin(PEERS, ROUNDS, (variant) => round(variant, staying));
  } finally {
    staying.child.kill('SIGKILL');
  }
  const rows = PEERS.map((variant) => {
    const list = samples[variant];
    const after = list.map((s) => s.afterDelay);
    return [variant, tally(list.map((s) => s.failed)), list.reduce((sum, s) => sum + s.failed, 0), `+${fixed(median(after), 1)}`, `+${fixed(percentile(after, 0.9), 1)}`];
  });
  printSection(
    `Rolling stop behind a TCP router that lags ${ROUTING_LAG_MS} ms (${CONNECTIONS} keep-alive connections, drain delay ${DELAY_MS} ms)`,
    ['library', 'failed requests per round', 'total', 'gone after SIGTERM − delay, median ms', 'p90 ms'],
    rows,
    [
      `${ROUNDS} rounds per library, interleaved; about ${fixed(median(samples['farewell'].map((s) => s.total)), 0)} requests per round. The router (in the benchmark process) splices each client connection to one backend, passing FINs and resets through; existing connections keep going to the stopping instance until it closes them, as with kube-proxy. A failed request is any the client saw fail (reset, hang-up, refused). Target for farewell: 0 in every round, gone within delay + 50 ms.`,
    ],
  );
}
