// Real load balancers in front of two instances of a real server: HAProxy
// (an HTTP health check on readiness, idle server connections reused) and
// nginx (an upstream keep-alive pool, no health check). Started from a
// temporary config on 127.0.0.1, on ports picked free at run time, and
// stopped (with everything else) at the end. A rolling stop: back-to-back
// keep-alive load mixing GET and POST through the balancer, SIGTERM to one
// instance at a random moment, the instance restarted on the same port once
// it is gone, again and again. Used by test/http/load-balancers.test.mjs
// and bench/http/load-balancers.bench.mjs; the configs are the ones shown in
// docs/load-balancers.md.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../http/lib.mjs';
import { startLoad } from './load.mjs';
import { findProgram } from './find-program.mjs';
import { freePort } from './free-port.mjs';
import { randomFrom } from './seeded-random.mjs';

/**
 * HAProxy's health check, scaled down from a production inter 2s fall 3 so
 * that 20 rounds fit in CI: every 150 ms, down after 2 failures, up after 1.
 */
export const HAPROXY_CHECK = { interMs: 150, fall: 2, rise: 1 };
/** The instance behind HAProxy keeps serving this long after SIGTERM: inter × (fall + 1), with room. */
export const HAPROXY_DELAY_MS = 550;
/**
 * nginx's upstream cache (idle connections kept per worker): at least twice
 * the concurrent requests, so that nginx does not keep opening new upstream
 * connections. A connection opened in the instant an instance closes its
 * listener is reset by the kernel (it sat in the accept queue): no server can
 * prevent that; with keepalive 16 for 16 clients it happened in about 1
 * round in 10 (docs/load-balancers.md).
 */
export const NGINX_KEEPALIVE = 64;

/** The nginx configuration tested: an upstream keep-alive pool, default proxy_next_upstream. */
export function nginxConfig({ dir, port, backends, keepalive = NGINX_KEEPALIVE }) {
  return `# farewell test: nginx in front of two instances, upstream keep-alive pool
worker_processes auto;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
${process.getuid?.() === 0 ? 'user root;\n' : ''}events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream app {
${backends.map((backend) => `    server 127.0.0.1:${backend} max_fails=0;`).join('\n')}
    keepalive ${keepalive};
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** The HAProxy configuration tested: HTTP health check on readiness, idle server connections shared. */
export function haproxyConfig({ dir, port, backends }) {
  const { interMs, fall, rise } = HAPROXY_CHECK;
  return `# farewell test: HAProxy in front of two instances, health check on readiness
global
  maxconn 2000
  stats socket ${dir}/stats.sock mode 600 level admin
defaults
  mode http
  timeout connect 1s
  timeout client 10s
  timeout server 10s
  timeout http-keep-alive 10s
backend app
  balance roundrobin
  http-reuse always
  option httpchk
  http-check send meth GET uri /ready ver HTTP/1.1 hdr host lb
  http-check expect status 200
  default-server inter ${interMs} fall ${fall} rise ${rise}
${backends.map((backend, index) => `  server app${index} 127.0.0.1:${backend} check`).join('\n')}
frontend web
  bind 127.0.0.1:${port}
  default_backend app
`;
}

/** Starts nginx or HAProxy in the foreground; resolves once it accepts connections. */
async function startBalancer(kind, { dir, port, backends, program, nginxKeepalive }) {
  const config = kind === 'nginx' ? nginxConfig({ dir, port, backends, keepalive: nginxKeepalive }) : haproxyConfig({ dir, port, backends });
  const file = join(dir, `${kind}.conf`);
  writeFileSync(file, config);
  const args = kind === 'nginx' ? ['-c', file, '-p', dir] : ['-f', file, '-db'];
  const child = spawn(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const deadline = performance.now() + 10_000;
  for (;;) {
    if (await canConnect(port)) break;
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not start: ${stderr}`);
    }
    await sleep(20);
  }
  return {
    config,
    child,
    stderr: () => stderr,
    async stop() {
      // nginx: SIGQUIT is its graceful stop; HAProxy: SIGUSR1. Both are given little time.
      child.kill(kind === 'nginx' ? 'SIGQUIT' : 'SIGUSR1');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** nginx error-log lines that mean an upstream connection failed under a request (a reset or an early close). */
export const UPSTREAM_RESET = /Connection reset by peer|upstream prematurely closed|Broken pipe/;

/** HAProxy's per-server counters (show stat): connection and response errors, retries, redispatches. */
function haproxyStats(dir) {
  return new Promise((resolve) => {
    const socket = net.connect(join(dir, 'stats.sock'));
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => {
      const [header, ...rows] = text.trim().split('\n');
      if (header === undefined) return resolve(undefined);
      const names = header.replace(/^# /, '').split(',');
      const totals = { econ: 0, eresp: 0, wretr: 0, wredis: 0, hrsp_5xx: 0 };
      for (const row of rows) {
        const fields = Object.fromEntries(row.split(',').map((value, index) => [names[index], value]));
        if (fields.svname === 'BACKEND' || fields.svname === 'FRONTEND') continue;
        for (const key of Object.keys(totals)) totals[key] += Number(fields[key] || 0);
      }
      resolve(totals);
    });
    socket.end('show stat\n');
  });
}

/**
 * Runs a rolling stop: `rounds` times, SIGTERM to one of the two instances
 * (alternately) at a random moment after both have served, then a new
 * instance on the same port. `balancer` is 'nginx' or 'haproxy', `variant` a
 * library of bench/http/programs/server.mjs (`serverOptions`: its options;
 * `nginxKeepalive`: the size of nginx's upstream cache). Resolves with one entry per
 * round: { failed, failures, resets, goneMs, afterDelayMs, exit, requests }
 * (`resets`: nginx error-log lines for an upstream reset or early close;
 * HAProxy: its response and connection errors and retries), and `summary`.
 */
export async function rollingStop({ balancer, variant, serverOptions = {}, rounds = 20, seed = 1, program, connections = 16, nginxKeepalive = NGINX_KEEPALIVE, log = () => {} }) {
  const random = randomFrom(seed);
  const delay = balancer === 'haproxy' ? HAPROXY_DELAY_MS : 0;
  const dir = mkdtempSync(join(tmpdir(), `farewell-${balancer}-`));
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, sub));
  const ports = [await freePort(), await freePort()];
  const lbPort = await freePort();
  const instances = [];
  const start = async (index) => {
    instances[index] = await startServer(variant, { ...serverOptions, delay, port: ports[index] }, { limitMs: 120_000 });
    return instances[index];
  };
  let lb;
  let load;
  const results = [];
  try {
    await Promise.all([start(0), start(1)]);
    lb = await startBalancer(balancer, { dir, port: lbPort, backends: ports, program, nginxKeepalive });
    load = startLoad(lbPort, { connections, path: '/who', mix: 'get-post', maxMs: 10 * 60_000, maxRequests: 50_000_000 });
    const served = (index) => load.summary.bodies[`instance ${ports[index]}`] ?? 0;
    const errorLog = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
    for (let round = 0; round < rounds; round++) {
      const victim = round % 2;
      // Both instances serving, the stopping one for a while: its pooled connections have aged.
      await waitUntil(() => served(0) > 0 && served(1) > 0, 10_000, 'both instances serving');
      const baseline = served(victim);
      await waitUntil(() => served(victim) > baseline + 20, 10_000, 'the instance serving again');
      await sleep(50 + Math.floor(random() * 250));
      const before = { ...load.summary, failures: { ...load.summary.failures } };
      const logBefore = errorLog().length;
      const statsBefore = balancer === 'haproxy' ? await haproxyStats(dir) : undefined;
      const instance = instances[victim];
      const signalledAt = performance.now();
      instance.child.kill('SIGTERM');
      const end = await instance.ended;
      const goneMs = end.at - signalledAt;
      await start(victim);
      // The balancer routes to the new instance again: the round is over.
      const restarted = served(victim);
      await waitUntil(() => served(victim) > restarted, 10_000, 'the balancer routing to the new instance');
      const failures = diffCounts(load.summary.failures, before.failures);
      const newLog = errorLog().slice(logBefore);
      const resetLines = newLog.split('\n').filter((line) => UPSTREAM_RESET.test(line));
      let resets = resetLines.length;
      if (balancer === 'haproxy') {
        const after = await haproxyStats(dir);
        resets = after === undefined || statsBefore === undefined ? NaN : after.eresp + after.econ + after.wretr - (statsBefore.eresp + statsBefore.econ + statsBefore.wretr);
      }
      const entry = {
        round,
        victimPort: ports[victim],
        failed: load.summary.failedAfterSent - before.failedAfterSent,
        failures,
        resets,
        resetLines,
        goneMs,
        afterDelayMs: goneMs - delay,
        exit: end.killed ? 'killed' : end.signal ?? `code ${end.code}`,
        stderr: instance.stderr(),
        requests: load.summary.total - before.total,
      };
      results.push(entry);
      log(entry);
    }
    const summary = await load.stop();
    load = undefined;
    return { rounds: results, summary, delay, config: lb.config };
  } finally {
    await load?.stop();
    await lb?.stop();
    for (const instance of instances) instance?.child.kill('SIGKILL');
    await Promise.all(instances.map((instance) => instance?.ended));
    rmSync(dir, { recursive: true, force: true });
  }
}

function diffCounts(after, before) {
  const diff = {};
  for (const [key, value] of Object.entries(after)) if (value !== (before[key] ?? 0)) diff[key] = value - (before[key] ?? 0);
  return diff;
}

async function waitUntil(condition, limitMs, what) {
  const deadline = performance.now() + limitMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export { findProgram, freePort, randomFrom };
