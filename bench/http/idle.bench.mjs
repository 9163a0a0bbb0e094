// 200 idle keep-alive clients (each made one request, then went quiet for
// 300 ms): SIGTERM → process gone, and errors seen by the clients.
// Target for farewell: within 20 ms of SIGTERM, zero client errors.
import http from 'node:http';
import { fixed, median, percentile, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { PEERS, bareExitMs, startServer, tally } from './lib.mjs';

const CLIENTS = 200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

async function round(variant) {
  const { child, port, ended } = await startServer(variant);
  const agent = new http.Agent({ keepAlive: true });
  const errors = [];
  await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise((resolve) => {
          const req = http.get({ host: '127.0.0.1', port, path: '/', agent }, (res) => res.resume().on('end', resolve));
          req.on('socket', (socket) => socket.on('error', (error) => errors.push(error.code)));
          req.on('error', resolve);
        }),
    ),
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const sent = performance.now();
  child.kill('SIGTERM');
  const end = await ended;
  // Let the clients see the FINs (or resets) that came with the exit.
  await new Promise((resolve) => setTimeout(resolve, 50));
  const open = Object.values(agent.freeSockets).flat().length;
  agent.destroy();
  return { ms: end.at - sent, errors: errors.length, open };
}

export async function run() {
  const bare = [];
  for (let i = 0; i < ROUNDS; i++) bare.push(await bareExitMs());
  const samples = await sampleRoundRobin(PEERS, ROUNDS, round);
  const rows = PEERS.map((variant) => {
    const ms = samples[variant].map((s) => s.ms);
    return [variant, fixed(median(ms), 1), fixed(percentile(ms, 0.9), 1), tally(samples[variant].map((s) => s.errors))];
  });
  printSection(`${CLIENTS} idle keep-alive clients at SIGTERM`, ['library', 'SIGTERM → gone, median ms', 'p90 ms', 'client errors per round'], rows, [
    `${ROUNDS} rounds per library, interleaved; clients idle for 300 ms (longer than farewell's 100 ms idle grace). Bare node SIGTERM exit: median ${fixed(median(bare), 1)} ms. Target for farewell: ≤ 20 ms, 0 errors.`,
  ]);
}
