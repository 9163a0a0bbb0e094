// What tracking connections costs while nothing is draining: requests/s of a
// hello-world server with drainOnExit() against the same server untracked
// (autocannon, keep-alive), and heap per tracked keep-alive connection.
// Target: ≤ 2 % fewer requests/s.
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import { availableParallelism } from 'node:os';
import net from 'node:net';
import autocannon from 'autocannon';
import { trackServer } from 'farewell/http';
import { fixed, median, percentile, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { startServer } from './lib.mjs';

// Sharing the cores, one run's requests/s swings by ±15 %: the server is
// pinned to core 0 and autocannon (this process) to core 1 when taskset and
// two cores exist (then the two servers agree within about 1 %), and the table
// shows the spread of the runs.
const PINNED = availableParallelism() >= 2 && spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 2);
const CONNECTIONS = 20;
// Pipelining lets one autocannon thread outrun one server thread: requests/s then measures the server.
const PIPELINING = 10;
const MEMORY_CONNECTIONS = 4000;
const VARIANTS = ['untracked', 'farewell'];

/**
 * Requests/s under autocannon, and the server's own CPU time per request
 * (user + system, read from the server before and after): the second is far
 * less sensitive to other processes competing for the cores.
 */
async function throughput(variant) {
  const { child, port, ended } = await startServer(variant, {}, { limitMs: 120_000, ...(PINNED ? { cpu: 0 } : {}) });
  const probe = new http.Agent({ keepAlive: false });
  // Warm up the server's JIT before measuring.
  await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, pipelining: PIPELINING, duration: 1 });
  const cpuBefore = Number(await get(port, probe, '/cpu'));
  const result = await autocannon({ url: `http://127.0.0.1:${port}/`, connections: CONNECTIONS, pipelining: PIPELINING, duration: SECONDS });
  const cpuAfter = Number(await get(port, probe, '/cpu'));
  child.kill('SIGKILL');
  await ended;
  return { rps: result.requests.total / SECONDS, cpuPerRequest: (cpuAfter - cpuBefore) / result.requests.total, errors: result.errors + result.non2xx };
}

function get(port, agent, path) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

/** Heap growth per idle keep-alive connection (after a request each), gc'd before both readings. */
async function heapPerConnection(variant) {
  const { child, port, ended } = await startServer(variant, {}, { limitMs: 120_000, nodeArgs: ['--expose-gc'] });
  const probe = new http.Agent({ keepAlive: false });
  // maxFreeSockets: the agent would otherwise close all but 256 of the idle connections.
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: Infinity });
  // Warm up: the code paths and their allocations exist before the first reading.
  await Promise.all(Array.from({ length: 50 }, () => get(port, new http.Agent({ keepAlive: false }), '/')));
  const before = Number(await get(port, probe, '/heap'));
  await Promise.all(Array.from({ length: MEMORY_CONNECTIONS }, () => get(port, agent, '/')));
  const after = Number(await get(port, probe, '/heap'));
  agent.destroy();
  child.kill('SIGKILL');
  await ended;
  return (after - before) / MEMORY_CONNECTIONS;
}

/**
 * The tracker's own work per request, measured in this process without any
 * I/O: a request and response emitted on a server with a no-op handler,
 * tracked or not; the difference is what tracking adds.
 */
function emitCostNs(tracked, requests = 200_000) {
  const server = http.createServer(() => {});
  if (tracked) trackServer(server);
  const socket = new net.Socket();
  const started = process.hrtime.bigint();
  for (let i = 0; i < requests; i++) {
    const request = new http.IncomingMessage(socket);
    const response = new http.ServerResponse(request);
    server.emit('request', request, response);
    response.emit('close');
  }
  return Number(process.hrtime.bigint() - started) / requests;
}

export async function run() {
  if (PINNED) spawnSync('taskset', ['-cp', '1', String(process.pid)]);
  let samples;
  try {
    samples = await sampleRoundRobin(VARIANTS, ROUNDS, throughput);
  } finally {
    if (PINNED) spawnSync('taskset', ['-cp', `0-${availableParallelism() - 1}`, String(process.pid)]);
  }
  const base = median(samples.untracked.map((s) => s.rps));
  const baseCpu = median(samples.untracked.map((s) => s.cpuPerRequest));
  const memory = await sampleRoundRobin(VARIANTS, 3, heapPerConnection);
  const baseBytes = median(memory.untracked);
  emitCostNs(false);
  emitCostNs(true); // warm-up
  const emitted = await sampleRoundRobin(['untracked', 'tracked'], 5, (variant) => emitCostNs(variant === 'tracked'));
  const addedNs = median(emitted.tracked) - median(emitted.untracked);
  const rows = VARIANTS.map((variant) => {
    const all = samples[variant].map((s) => s.rps);
    const rps = median(all);
    const cpu = median(samples[variant].map((s) => s.cpuPerRequest));
    const bytes = median(memory[variant]);
    return [
      variant === 'untracked' ? 'untracked server' : 'drainOnExit(server)',
      fixed(rps, 0),
      `${fixed(percentile(all, 0.25), 0)}–${fixed(percentile(all, 0.75), 0)}`,
      `${rps >= base ? '+' : ''}${fixed(((rps - base) / base) * 100, 1)} %`,
      fixed(cpu, 2),
      `${cpu >= baseCpu ? '+' : ''}${fixed(((cpu - baseCpu) / baseCpu) * 100, 1)} %`,
      samples[variant].reduce((sum, s) => sum + s.errors, 0),
      fixed(bytes, 0),
      variant === 'untracked' ? '—' : fixed(bytes - baseBytes, 0),
    ];
  });
  printSection(
    'Cost of connection tracking (hello world, keep-alive)',
    ['server', 'requests/s, median', 'p25–p75', 'vs untracked', 'server CPU µs per request', 'vs untracked', 'errors', 'heap bytes per idle connection', 'tracking bytes per connection'],
    rows,
    [
      `autocannon, ${CONNECTIONS} keep-alive connections, pipelining ${PIPELINING}, ${SECONDS} s per run after 1 s to warm up, ${ROUNDS} runs per server, interleaved; the server runs in its own process${PINNED ? ', pinned to core 0, autocannon to core 1' : ' (not pinned: taskset or a second core missing)'}. CPU: the server's user + system time over the run ÷ requests. Heap: ${MEMORY_CONNECTIONS} idle keep-alive connections, heapUsed after gc, median of 3. Target: ≤ 2 % fewer requests/s. The p25–p75 spread of either server is wider than that target: the in-process figure below is the precise one.`,
      `Measured without I/O (a request and response emitted on a server in this process, median of 5 × 200 000), tracking adds ${fixed(addedNs, 0)} ns per request: ${fixed((addedNs / 1000 / median(samples.untracked.map((s) => s.cpuPerRequest))) * 100, 1)} % of the hello-world server's CPU per request above, less for any real handler.`,
    ],
  );
}
