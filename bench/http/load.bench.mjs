// Back-to-back keep-alive load on 20 connections, SIGTERM mid-run: requests
// that fail after being sent (a reset or hang-up on a request already on the
// wire) against requests refused before being sent (ECONNREFUSED: the client
// may retry them safely). Target for farewell: zero failed after sent.
import { fixed, median, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { startLoad } from '../lib/load.mjs';
import { PEERS, startServer, tally } from './lib.mjs';

const CONNECTIONS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function round(variant) {
  const { child, port, ended } = await startServer(variant);
  const load = startLoad(port, { connections: CONNECTIONS, path: '/', maxMs: 10_000, stopWhenRefused: true });
  await new Promise((resolve) => setTimeout(resolve, 500));
  const sent = performance.now();
  const servedBefore = load.summary.ok;
  child.kill('SIGTERM');
  const end = await ended;
  const summary = await load.finished;
  return {
    ms: end.at - sent,
    rate: servedBefore / 0.5,
    failedAfterSent: summary.failedAfterSent,
    reasons: Object.keys(summary.failures),
  };
}

export async function run() {
  const samples = await sampleRoundRobin(PEERS, ROUNDS, round);
  const rows = PEERS.map((variant) => {
    const list = samples[variant];
    const reasons = [...new Set(list.flatMap((s) => s.reasons))].join('; ') || '—';
    return [
      variant,
      tally(list.map((s) => s.failedAfterSent)),
      list.reduce((sum, s) => sum + s.failedAfterSent, 0),
      fixed(median(list.map((s) => s.ms)), 1),
      reasons,
    ];
  });
  printSection(
    `Back-to-back keep-alive load on ${CONNECTIONS} connections, SIGTERM mid-run`,
    ['library', 'failed after sent, per round', 'total', 'SIGTERM → gone, median ms', 'failures seen'],
    rows,
    [
      `${ROUNDS} rounds per library, interleaved; SIGTERM after 500 ms of load (≈ ${fixed(median(samples['farewell'].map((s) => s.rate)), 0)} requests/s against farewell). Refused connections (ECONNREFUSED) are not counted: they never left the client. Target for farewell: 0 failed after sent.`,
    ],
  );
}
