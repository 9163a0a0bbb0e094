// Rolling stops behind real load balancers (bench/lib/load-balancers.mjs):
// HAProxy with a health check on readiness and nginx with an upstream
// keep-alive pool, two instances under back-to-back keep-alive load mixing
// GET and POST, SIGTERM to one at a random moment, again and again. farewell
// with both idle policies side by side with the peers; nginx with a cache
// large enough for the load (64) and the 16. Skipped (with a note)
// when haproxy or nginx is not installed. Target for farewell: 0 failed
// requests and 0 upstream resets in every round, gone within delay + 50 ms.
import { HAPROXY_DELAY_MS, NGINX_KEEPALIVE, findProgram, rollingStop } from '../lib/load-balancers.mjs';
import { fixed, median, percentile } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { FAREWELL_CLOSE } from './lib.mjs';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20);
const SEED = Number(process.env.BENCH_SEED ?? 20261130);

const SCENARIOS = [
  { balancer: 'haproxy', variant: FAREWELL_CLOSE },
  // Lossless too, but HAProxy keeps its idle connections to a server it marked down:
  // the instance waits for its keepAliveTimeout (5 s + 1 s). A few rounds show it.
  { balancer: 'haproxy', variant: 'farewell', rounds: 3 },
  { balancer: 'haproxy', variant: 'http-terminator' },
  { balancer: 'haproxy', variant: '@godaddy/terminus' },
  { balancer: 'nginx', variant: 'farewell' },
  { balancer: 'nginx', variant: FAREWELL_CLOSE },
  { balancer: 'nginx', variant: 'http-terminator' },
  { balancer: 'nginx', variant: '@godaddy/terminus' },
  { balancer: 'nginx', variant: 'farewell', nginxKeepalive: 16 },
  { balancer: 'nginx', variant: 'http-terminator', nginxKeepalive: 16 },
];

export async function run() {
  const programs = { haproxy: findProgram('haproxy'), nginx: findProgram('nginx') };
  const rows = [];
  for (const [index, scenario] of SCENARIOS.entries()) {
    const program = programs[scenario.balancer];
    if (program === undefined) {
      rows.push([scenario.balancer, scenario.variant, '—', '—', '—', '—', '—', `${scenario.balancer} not installed`]);
      continue;
    }
    const variant = scenario.variant === FAREWELL_CLOSE ? 'farewell' : scenario.variant;
    const serverOptions = scenario.variant === FAREWELL_CLOSE ? { idleKeepAlive: 'close' } : {};
    const rounds = scenario.rounds ?? ROUNDS;
    const result = await rollingStop({ balancer: scenario.balancer, variant, serverOptions, rounds, seed: SEED + index, program, ...(scenario.nginxKeepalive ? { nginxKeepalive: scenario.nginxKeepalive } : {}) });
    const list = result.rounds;
    const gone = list.map((r) => r.afterDelayMs);
    const config = scenario.balancer === 'haproxy' ? `health check, delay ${HAPROXY_DELAY_MS} ms` : `keepalive ${scenario.nginxKeepalive ?? NGINX_KEEPALIVE}, delay 0`;
    rows.push([
      scenario.balancer,
      scenario.variant,
      config,
      `${list.filter((r) => r.failed === 0 && r.resets === 0).length}/${list.length}`,
      list.reduce((sum, r) => sum + r.failed, 0),
      list.reduce((sum, r) => sum + r.resets, 0),
      `+${fixed(median(gone), 1)}`,
      `+${fixed(percentile(gone, 0.9), 1)}`,
    ]);
  }
  printSection(
    'Rolling stop behind HAProxy and nginx (two instances, 16 keep-alive clients mixing GET and POST)',
    ['balancer', 'library', 'setup', 'clean rounds', 'failed requests', 'upstream resets', 'gone after SIGTERM − delay, median ms', 'p90 ms'],
    rows,
    [
      `${ROUNDS} rounds per line unless fewer are shown; seed ${SEED}. A failed request is one the client saw fail (a 502 for a POST nginx had sent; nginx retries a GET, which is why the resets in its error log are counted too); HAProxy's resets are its response and connection errors and retries. The configs are in docs/load-balancers.md. Target for farewell: 0 and 0 in every round, gone within delay + 50 ms.`,
    ],
  );
}
