// Zero-downtime reload on one machine, side by side in one run: 20 reloads
// each at a random moment, under back-to-back keep-alive load (12 connections
// of fast requests, 4 of 100 ms requests) plus a stream of new connections
// (2 loops, one request per connection), all on 127.0.0.1:
// - farewell --listen (SIGHUP), the program using farewell/http;
// - pm2 reload, cluster mode, 2 instances, wait_ready, PM2's documented SIGINT handler;
// - a naive restart: the farewell CLI without --listen, stopped (SIGTERM) and started again;
// - farewell --listen where every new generation crashes at start (a broken deploy).
// Targets (issue 7): 0 failed requests over the 20 reloads; no request slower
// than its handler time + 50 ms because of the reload; a crashing generation
// leaves the old one serving with 0 failed requests.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fixed, median } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { freePort } from '../lib/free-port.mjs';

const RELOADS = Number(process.env.BENCH_RELOADS ?? 20);
const CLI = fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url));
const SERVER = fileURLToPath(new URL('programs/server.mjs', import.meta.url));
const PM2_SERVER = fileURLToPath(new URL('programs/pm2-server.cjs', import.meta.url));
const PM2 = fileURLToPath(new URL('../../node_modules/pm2/bin/pm2', import.meta.url));
const SLOW_MS = 100;
const REQUEST_TIMEOUT_MS = 5000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The load: every request recorded as { start, end, handlerMs, outcome, pid }. */
function startLoad(port) {
  const records = [];
  let stopping = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const once = (path, handlerMs, useAgent) =>
    new Promise((resolve) => {
      const record = { start: performance.now(), end: 0, handlerMs, outcome: 'ok', pid: 0 };
      records.push(record);
      const finish = (outcome) => {
        if (record.end !== 0) return;
        record.end = performance.now();
        record.outcome = outcome;
        resolve();
      };
      const req = http.get({ host: '127.0.0.1', port, path, agent: useAgent ? agent : false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          record.pid = Number(body);
          finish(res.statusCode === 200 ? 'ok' : `status ${res.statusCode}`);
        });
        res.on('error', () => finish('reset'));
      });
      req.setTimeout(REQUEST_TIMEOUT_MS, () => {
        finish('timed out');
        req.destroy();
      });
      req.on('error', (error) => finish(error.code === 'ECONNREFUSED' ? 'refused' : error.code === 'ECONNRESET' || error.code === 'EPIPE' ? 'reset' : error.code ?? 'error'));
    });
  const loop = async (path, handlerMs, useAgent) => {
    while (!stopping) {
      await once(path, handlerMs, useAgent);
      // A refused connection is retried after 10 ms, as a client would, not in a busy loop.
      if (records.at(-1).outcome === 'refused') await sleep(10);
    }
  };
  const loops = [
    ...Array.from({ length: 12 }, () => loop('/ms/0', 0, true)),
    ...Array.from({ length: 4 }, () => loop(`/ms/${SLOW_MS}`, SLOW_MS, true)),
    ...Array.from({ length: 2 }, () => loop('/ms/0', 0, false)),
  ];
  return {
    records,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

/** Counts the server processes (their command lines name `program`) every 20 ms. */
function countProcesses(program) {
  let peak = 0;
  const timer = setInterval(() => {
    let count = 0;
    for (const pid of readdirSync('/proc')) {
      if (!/^\d+$/.test(pid)) continue;
      try {
        if (readFileSync(`/proc/${pid}/cmdline`, 'latin1').includes(program)) count++;
      } catch {
        // gone
      }
    }
    peak = Math.max(peak, count);
  }, 20);
  return {
    reset: () => (peak = 0),
    peak: () => peak,
    stop: () => clearInterval(timer),
  };
}

/** Waits until a response from a pid not in `old` has been recorded after `since`; resolves with its end time. */
async function firstAnswerFromNew(records, old, since, limitMs = 15_000) {
  const until = performance.now() + limitMs;
  while (performance.now() < until) {
    const record = records.find((r) => r.end > since && r.outcome === 'ok' && r.pid !== 0 && !old.has(r.pid));
    if (record) return record.end;
    await sleep(5);
  }
  return NaN;
}

/**
 * Runs `reloads` reloads with `reload()` (resolves when the reload is done),
 * each after a random 150–450 ms under load. Returns per-reload rows.
 */
async function measure(port, program, reloads, reload, { newGenerationExpected = true } = {}) {
  const load = startLoad(port);
  const processes = countProcesses(program);
  const rows = [];
  try {
    await sleep(500);
    for (let index = 0; index < reloads; index++) {
      await sleep(150 + Math.random() * 300);
      const before = new Set(load.records.filter((r) => r.pid !== 0).map((r) => r.pid));
      processes.reset();
      const sent = performance.now();
      await reload(index);
      const serving = newGenerationExpected ? await firstAnswerFromNew(load.records, before, sent) : NaN;
      await sleep(300);
      const windowEnd = performance.now();
      const inWindow = load.records.filter((r) => r.end !== 0 && r.end >= sent && r.start <= windowEnd);
      const failed = { refused: 0, reset: 0, 'timed out': 0, other: 0 };
      for (const r of inWindow) if (r.outcome !== 'ok') failed[r.outcome in failed ? r.outcome : 'other']++;
      const okLatencies = inWindow.filter((r) => r.outcome === 'ok').map((r) => r.end - r.start - r.handlerMs);
      rows.push({ failed, excess: Math.max(0, ...okLatencies), servingMs: serving - sent, peak: processes.peak(), requests: inWindow.length });
    }
  } finally {
    await load.stop();
    processes.stop();
  }
  return rows;
}

function waitForLine(stream, regex, limitMs = 15_000) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${regex} within ${limitMs} ms: ${text}`)), limitMs);
    const onData = (chunk) => {
      text += chunk;
      const line = text.split('\n').find((candidate) => regex.test(candidate));
      if (line === undefined) return;
      clearTimeout(timer);
      stream.off('data', onData);
      resolve(line);
    };
    stream.on('data', onData);
  });
}

async function farewellReload(crashing = false) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'farewell-bench-'));
  const crashFlag = join(dir, 'crash');
  const cli = spawn(process.execPath, [CLI, '--listen', `127.0.0.1:${port}`, '--timeout', '10s', '--', process.execPath, SERVER], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_DEBUG: '', CRASH_FLAG: crashFlag },
  });
  const ended = new Promise((resolve) => cli.on('exit', resolve));
  let stderr = '';
  cli.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    await waitUntilServing(port);
    if (crashing) writeFileSync(crashFlag, '');
    return await measure(port, SERVER, RELOADS, async (index) => {
      const line = waitForLine(cli.stderr, new RegExp(`^farewell: reload ${index + 1}[: ]`));
      cli.kill('SIGHUP');
      await line;
    }, { newGenerationExpected: !crashing });
  } finally {
    cli.kill('SIGTERM');
    await ended;
    rmSync(dir, { recursive: true, force: true });
    if (process.env.BENCH_VERBOSE) console.error(stderr);
  }
}

async function waitUntilServing(port, limitMs = 15_000) {
  const until = performance.now() + limitMs;
  while (performance.now() < until) {
    const ok = await new Promise((resolve) => http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => resolve(res.resume() && res.statusCode === 200)).on('error', () => resolve(false)));
    if (ok) return;
    await sleep(20);
  }
  throw new Error(`nothing serves on ${port}`);
}

async function naiveRestart() {
  const port = await freePort();
  let cli;
  const start = () => {
    cli = spawn(process.execPath, [CLI, '--timeout', '10s', '--', process.execPath, SERVER], { stdio: 'ignore', env: { ...process.env, NODE_DEBUG: '', PORT: String(port) } });
    cli.ended = new Promise((resolve) => cli.on('exit', resolve));
  };
  start();
  try {
    await waitUntilServing(port);
    return await measure(port, SERVER, RELOADS, async () => {
      cli.kill('SIGTERM');
      await cli.ended;
      start();
    });
  } finally {
    cli.kill('SIGTERM');
    await cli.ended;
  }
}

async function pm2Reload() {
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), 'farewell-bench-pm2-'));
  const env = { ...process.env, PM2_HOME: home, PORT: String(port), NODE_DEBUG: '' };
  const pm2 = (...args) => {
    const result = spawnSync(process.execPath, [PM2, ...args], { env, encoding: 'utf8', timeout: 60_000 });
    if (result.status !== 0) throw new Error(`pm2 ${args.join(' ')}: ${result.status} ${result.stdout}${result.stderr}`);
  };
  const config = join(home, 'ecosystem.config.cjs');
  writeFileSync(
    config,
    `module.exports = { apps: [{ name: 'bench', script: ${JSON.stringify(PM2_SERVER)}, exec_mode: 'cluster', instances: 2, wait_ready: true, listen_timeout: 3000, kill_timeout: 5000, env: { PORT: ${port} } }] };\n`,
  );
  try {
    pm2('start', config);
    await waitUntilServing(port);
    return await measure(port, PM2_SERVER, RELOADS, async () => {
      await new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [PM2, 'reload', 'bench'], { env, stdio: 'ignore' });
        child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pm2 reload: ${code}`))));
      });
    });
  } finally {
    // No daemon left behind, whatever happened.
    spawnSync(process.execPath, [PM2, 'kill'], { env, stdio: 'ignore', timeout: 30_000 });
    rmSync(home, { recursive: true, force: true });
  }
}

function summarize(name, rows) {
  const total = (kind) => rows.reduce((sum, row) => sum + row.failed[kind], 0);
  const failedPerReload = rows.map((row) => Object.values(row.failed).reduce((a, b) => a + b, 0));
  const serving = rows.map((row) => row.servingMs).filter(Number.isFinite);
  return [
    name,
    String(failedPerReload.reduce((a, b) => a + b, 0)),
    `${total('refused')} / ${total('reset')} / ${total('timed out')}${total('other') ? ` / ${total('other')} other` : ''}`,
    String(failedPerReload.filter((n) => n > 0).length),
    `${fixed(median(rows.map((row) => row.excess)), 1)} / ${fixed(Math.max(...rows.map((row) => row.excess)), 1)}`,
    serving.length > 0 ? `${fixed(median(serving), 0)} / ${fixed(Math.max(...serving), 0)}` : '—',
    String(Math.max(...rows.map((row) => row.peak))),
    String(rows.reduce((sum, row) => sum + row.requests, 0)),
  ];
}

export async function run() {
  const results = [
    ['farewell --listen, SIGHUP', await farewellReload(false)],
    ['pm2 reload (cluster ×2, wait_ready)', await pm2Reload()],
    ['naive restart (farewell CLI, stop then start)', await naiveRestart()],
    ['farewell --listen, every new generation crashes', await farewellReload(true)],
  ];
  printSection(
    `Reload under load: ${RELOADS} reloads each (16 keep-alive connections, 4 of them ${SLOW_MS} ms requests, plus new connections)`,
    ['variant', 'failed requests', 'refused / reset / timed out', 'reloads with a failure', 'latency above handler, median / max ms', 'signal → new generation serving, median / max ms', 'peak processes', 'requests in reload windows'],
    results.map(([name, rows]) => summarize(name, rows)),
    [
      `Each reload at a random moment 150–450 ms after the previous one finished; a reload's window runs from the signal (or \`pm2 reload\`, or SIGTERM) to 300 ms after the new generation first answered. "Latency above handler" is the longest (response time − handler time) of the requests in the windows. Peak processes: server processes (not the CLI or the pm2 daemon) seen at once, sampled every 20 ms. Targets: farewell 0 failed over the ${RELOADS} reloads, latency above handler ≤ 50 ms, and 0 failed when every new generation crashes.`,
    ],
  );
}
