// 20 keep-alive clients, each with a request in flight that ends 300 ms after
// SIGTERM: time until the process is gone, client errors, and how many
// responses told the client to close. Target for farewell: ≤ 1.05 × (300 ms
// + a bare node's SIGTERM exit), zero errors, every response with Connection: close.
import http from 'node:http';
import { fixed, median, percentile, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { PEERS, bareExitMs, startServer, tally } from './lib.mjs';

const CLIENTS = 20;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

function heldRequest(port, agent) {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/held', agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ connection: res.headers.connection }));
      res.on('error', (error) => resolve({ error: error.code }));
    });
    req.on('error', (error) => resolve({ error: error.code }));
  });
}

async function round(variant) {
  const { child, port, ended, waitForLine } = await startServer(variant, { inflight: CLIENTS });
  const agent = new http.Agent({ keepAlive: true });
  const allHeld = waitForLine('inflight');
  const replies = Array.from({ length: CLIENTS }, () => heldRequest(port, agent));
  await allHeld;
  const sent = performance.now();
  child.kill('SIGTERM');
  const results = await Promise.all(replies);
  const end = await ended;
  agent.destroy();
  return {
    ms: end.at - sent,
    errors: results.filter((r) => r.error).length,
    close: results.filter((r) => r.connection === 'close').length,
    killed: end.killed,
  };
}

export async function run() {
  const bare = [];
  for (let i = 0; i < ROUNDS; i++) bare.push(await bareExitMs());
  const floor = 300 + median(bare);
  const samples = await sampleRoundRobin(PEERS, ROUNDS, round);
  const rows = PEERS.map((variant) => {
    const list = samples[variant];
    const ms = list.map((s) => s.ms);
    return [
      variant,
      fixed(median(ms), 1),
      fixed(percentile(ms, 0.9), 1),
      `×${fixed(median(ms) / floor)}`,
      tally(list.map((s) => s.errors)),
      tally(list.map((s) => `${s.close}/${CLIENTS}`)),
    ];
  });
  printSection(
    `In-flight requests at SIGTERM (${CLIENTS} keep-alive clients, responses due 300 ms later)`,
    ['library', 'SIGTERM → gone, median ms', 'p90 ms', '÷ (300 + bare exit)', 'client errors per round', 'responses with Connection: close'],
    rows,
    [
      `${ROUNDS} rounds per library, interleaved. Bare node SIGTERM exit: median ${fixed(median(bare), 1)} ms, so the floor is ${fixed(floor, 1)} ms. Target for farewell: ÷ ≤ 1.05, 0 errors, ${CLIENTS}/${CLIENTS} with Connection: close.`,
      'Every library gets a 10 s drain timeout. `server.close()` waits for the keep-alive timeout (5 s + 1 s) on Node 20 (node-platform-facts §7).',
    ],
  );
}
