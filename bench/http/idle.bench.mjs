// 200 idle keep-alive clients (each made one request, then went quiet for
// 300 ms): SIGTERM → process gone, and errors seen by the clients.
// farewell leaves idle keep-alive connections to their clients by default
// (a proxy's pool may send on any of them at any moment): these clients
// (Node.js's http.Agent, which keeps idle sockets until the server closes
// them) hold the exit until the server's keepAliveTimeout closes them,
// 5 s + 1 s after their last response. With idleKeepAlive: 'close' the target
// is: within 20 ms of SIGTERM, zero client errors.
import http from 'node:http';
import { fixed, median, percentile, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { FAREWELL_CLOSE, PEERS, bareExitMs, startServer, tally } from './lib.mjs';

const CLIENTS = 200;
const VARIANTS = [PEERS[0], FAREWELL_CLOSE, ...PEERS.slice(1)];
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
  const samples = await sampleRoundRobin(VARIANTS, ROUNDS, round);
  const rows = VARIANTS.map((variant) => {
    const ms = samples[variant].map((s) => s.ms);
    return [variant, fixed(median(ms), 1), fixed(percentile(ms, 0.9), 1), tally(samples[variant].map((s) => s.errors))];
  });
  printSection(`${CLIENTS} idle keep-alive clients at SIGTERM`, ['library', 'SIGTERM → gone, median ms', 'p90 ms', 'client errors per round'], rows, [
    `${ROUNDS} rounds per library, interleaved; clients idle for 300 ms (longer than farewell's 100 ms idle grace), Node.js's keep-alive http.Agent (it keeps idle sockets until the server closes them). The server's keepAliveTimeout is Node's default, 5 s. Bare node SIGTERM exit: median ${fixed(median(bare), 1)} ms. Target for farewell with idleKeepAlive: 'close': ≤ 20 ms, 0 errors; with the default, the exit waits for the server's keep-alive timeout (5 s + 1 s after the last response): nothing is closed under a client that may be about to send.`,
  ]);
}
