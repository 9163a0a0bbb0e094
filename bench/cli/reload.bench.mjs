// Zero-downtime reload on one machine, side by side in one run: 20 reloads per
// variant (2 rounds of 10, the variants in turn), each at a random moment, under
// back-to-back keep-alive load (12 connections of fast requests, 4 of 100 ms
// requests) plus a stream of new connections (2 loops, one request per
// connection), all on 127.0.0.1:
// - farewell --listen (SIGHUP), the program using farewell/http;
// - pm2 reload, cluster mode, 2 instances, wait_ready, PM2's documented SIGINT handler;
// - a naive restart: the farewell CLI without --listen, stopped (SIGTERM) and started again;
// - farewell --listen where every new generation crashes at start (a broken deploy);
// - a control: farewell --listen and no reload, the same windows: the latency the
//   load has on this machine anyway (2 cores shared with the load generator).
// Targets (issue 7): 0 failed requests over the 20 reloads; no request slower
// than its handler time + 50 ms because of the reload; a crashing generation
// leaves the old one serving with 0 failed requests.
// Options (environment): BENCH_RELOADS (10) reloads per round; BENCH_ROUNDS (2)
// rounds; BENCH_VARIANTS=farewell,pm2,naive,crashing,control (the default), and
// send-at-once (the program says ready with process.send('ready'), not ready());
// BENCH_TRACE=1: for the farewell variants, where each request slower than its
// handler + 50 ms (BENCH_TRACE_MS), and each failed one, came from (generation,
// new or reused connection, times of the reload's events): docs/benchmarks.md.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { fixed, median } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';
import { freePort } from '../lib/free-port.mjs';

/** Reloads per round and variant; 2 rounds of 10 make the issue's 20 reloads per variant. */
const RELOADS = Number(process.env.BENCH_RELOADS ?? 10);
const CLI = fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url));
const SERVER = fileURLToPath(new URL('programs/server.mjs', import.meta.url));
const PM2_SERVER = fileURLToPath(new URL('programs/pm2-server.cjs', import.meta.url));
const PM2 = fileURLToPath(new URL('../../node_modules/pm2/bin/pm2', import.meta.url));
const SLOW_MS = 100;
const REQUEST_TIMEOUT_MS = 5000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** BENCH_TRACE=1: after each farewell variant, print where each request slower than handler + 50 ms came from. */
const TRACE = Boolean(process.env.BENCH_TRACE);
/** BENCH_VARIANTS=farewell,pm2,naive,crashing,control,send-at-once: run only these (default all but send-at-once). */
const VARIANTS = (process.env.BENCH_VARIANTS ?? 'farewell,pm2,naive,crashing,control').split(',');
/** The control variant's windows: about as long as a reload's (signal → new generation serving). */
const CONTROL_WINDOW_MS = 600;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
/** BENCH_TRACE_MS: the trace lists requests slower than their handler + this (default 50, the target). */
const SLOW_EXCESS_MS = Number(process.env.BENCH_TRACE_MS ?? 50);
/** Wall-clock milliseconds, comparable with the server processes' trace times. */
const wallClock = () => performance.timeOrigin + performance.now();

/** With BENCH_TRACE: the load generator's own event-loop stalls (a 5 ms timer more than 10 ms late), { at, ms } in wall-clock ms. */
const clientStalls = [];
if (TRACE) {
  let expected = performance.now() + 5;
  setInterval(() => {
    const late = performance.now() - expected;
    if (late > 10) clientStalls.push({ at: wallClock(), ms: late });
    expected = performance.now() + 5;
  }, 5).unref();
}

/**
 * The load: every request recorded as { start, end, handlerMs, outcome, pid, … }.
 * `records` holds the requests since the last `forgetBefore()`: the bench keeps
 * it short, because a large array slows the load generator itself (its
 * garbage collection and every scan of the array would count as latency).
 */
function startLoad(port) {
  const load = {
    records: [],
    /** Every pid that has answered, with the end of its first answer. */
    firstAnswer: new Map(),
    /** Drops the finished requests that ended before `time`. */
    forgetBefore(time) {
      load.records = load.records.filter((r) => r.end === 0 || r.end >= time);
    },
    async stop() {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
  let stopping = false;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const once = (path, handlerMs, useAgent) =>
    new Promise((resolve) => {
      const record = { start: performance.now(), end: 0, handlerMs, outcome: 'ok', pid: 0, startWall: wallClock(), reused: false, accepted: NaN, received: NaN, requestOnConnection: 0 };
      load.records.push(record);
      const finish = (outcome) => {
        if (record.end !== 0) return;
        record.end = performance.now();
        record.outcome = outcome;
        if (outcome === 'ok' && !load.firstAnswer.has(record.pid)) load.firstAnswer.set(record.pid, record.end);
        resolve(record);
      };
      const req = http.get({ host: '127.0.0.1', port, path, agent: useAgent ? agent : false }, (res) => {
        record.reused = req.reusedSocket;
        if (TRACE) {
          record.accepted = Number(res.headers['x-accepted']);
          record.received = Number(res.headers['x-received']);
          record.requestOnConnection = Number(res.headers['x-request-on-connection']);
        }
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
      const record = await once(path, handlerMs, useAgent);
      // A refused connection is retried after 10 ms, as a client would, not in a busy loop.
      if (record.outcome === 'refused') await sleep(10);
    }
  };
  const loops = [
    ...Array.from({ length: 12 }, () => loop('/ms/0', 0, true)),
    ...Array.from({ length: 4 }, () => loop(`/ms/${SLOW_MS}`, SLOW_MS, true)),
    ...Array.from({ length: 2 }, () => loop('/ms/0', 0, false)),
  ];
  return load;
}

/**
 * Counts the server processes (their command lines name `program`) every 20 ms,
 * in a worker thread: a scan of /proc takes about 2 ms of synchronous reads,
 * which on the load generator's thread would show up as request latency.
 */
function countProcesses(program) {
  const peak = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(
    `const { readdirSync, readFileSync } = require('node:fs');
    const { workerData: { peak, program } } = require('node:worker_threads');
    setInterval(() => {
      let count = 0;
      for (const pid of readdirSync('/proc')) {
        if (!/^\\d+$/.test(pid)) continue;
        try {
          if (readFileSync('/proc/' + pid + '/cmdline', 'latin1').includes(program)) count++;
        } catch {
          // gone
        }
      }
      if (count > Atomics.load(peak, 0)) Atomics.store(peak, 0, count);
    }, 20);`,
    { eval: true, workerData: { peak, program } },
  );
  return {
    reset: () => Atomics.store(peak, 0, 0),
    peak: () => Atomics.load(peak, 0),
    stop: () => worker.terminate(),
  };
}

/** Waits until a pid not in `old` has answered after `since`; resolves with the end of its first answer. */
async function firstAnswerFromNew(load, old, since, limitMs = 15_000) {
  const until = performance.now() + limitMs;
  while (performance.now() < until) {
    for (const [pid, end] of load.firstAnswer) if (end > since && pid !== 0 && !old.has(pid)) return end;
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
      const before = new Set(load.firstAnswer.keys());
      processes.reset();
      const sent = performance.now();
      await reload(index);
      const serving = newGenerationExpected ? await firstAnswerFromNew(load, before, sent) : NaN;
      await sleep(300);
      const windowEnd = performance.now();
      const inWindow = load.records.filter((r) => r.end !== 0 && r.end >= sent && r.start <= windowEnd);
      const failed = { refused: 0, reset: 0, 'timed out': 0, other: 0 };
      for (const r of inWindow) if (r.outcome !== 'ok') failed[r.outcome in failed ? r.outcome : 'other']++;
      const okLatencies = inWindow.filter((r) => r.outcome === 'ok').map((r) => r.end - r.start - r.handlerMs);
      const slow = inWindow.filter((r) => r.outcome !== 'ok' || r.end - r.start - r.handlerMs > SLOW_EXCESS_MS);
      rows.push({ failed, excess: Math.max(0, ...okLatencies), servingMs: serving - sent, peak: processes.peak(), requests: inWindow.length, sentWall: performance.timeOrigin + sent, slow, oldPids: before });
      load.forgetBefore(windowEnd);
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

/**
 * The farewell CLI with --listen under load. `mode`:
 * - 'reload': SIGHUP reloads; the program says ready with ready();
 * - 'send-at-once': the same, the program says ready with process.send('ready');
 * - 'crashing': every new generation exits at start;
 * - 'control': no reload at all, the same windows (CONTROL_WINDOW_MS, then
 *   300 ms): the latency this load has on this machine anyway.
 */
async function farewellReload(mode) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'farewell-bench-'));
  const crashFlag = join(dir, 'crash');
  const cli = spawn(process.execPath, [CLI, '--listen', `127.0.0.1:${port}`, '--timeout', '10s', '--', process.execPath, SERVER], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, NODE_DEBUG: '', CRASH_FLAG: crashFlag, ...(mode === 'send-at-once' ? { READY_AT_ONCE: '1' } : {}) },
  });
  const ended = new Promise((resolve) => cli.on('exit', resolve));
  let stderr = '';
  cli.stderr.on('data', (chunk) => (stderr += chunk));
  try {
    await waitUntilServing(port);
    if (mode === 'crashing') writeFileSync(crashFlag, '');
    const rows = await measure(port, SERVER, RELOADS, async (index) => {
      if (mode === 'control') return sleep(CONTROL_WINDOW_MS);
      const line = waitForLine(cli.stderr, new RegExp(`^farewell: reload ${index + 1}[: ]`));
      cli.kill('SIGHUP');
      await line;
    }, { newGenerationExpected: mode === 'reload' || mode === 'send-at-once' });
    if (TRACE) printTrace(`farewell, ${mode}`, rows, stderr);
    return rows;
  } finally {
    cli.kill('SIGTERM');
    await ended;
    rmSync(dir, { recursive: true, force: true });
    if (process.env.BENCH_VERBOSE) console.error(stderr);
  }
}

/**
 * The diagnostic of BENCH_TRACE: for each reload with a request slower than
 * handler + 50 ms, the reload's events (from the server processes' `trace`
 * lines) and each slow request, in ms from the SIGHUP; then a count of the
 * slow requests by generation, connection and phase.
 */
function printTrace(name, rows, stderr) {
  const events = [
    ...clientStalls.map((stall) => ({ pid: process.pid, event: 'stall', ...stall })),
    ...stderr
      .split('\n')
      .filter((line) => line.startsWith('trace '))
      .map((line) => JSON.parse(line.slice(6))),
  ].sort((a, b) => a.at - b.at);
  const who = (row, pid) => (pid === process.pid ? 'load generator' : `pid ${pid} ${row.oldPids.has(pid) ? 'old' : 'new'}`);
  const ms = (value) => (Number.isFinite(value) ? value.toFixed(0).padStart(5) : '    —');
  const counts = new Map();
  const count = (key) => counts.set(key, (counts.get(key) ?? 0) + 1);
  console.error(`\n=== ${name}: requests slower than handler + ${SLOW_EXCESS_MS} ms, or failed ===`);
  rows.forEach((row, index) => {
    const from = row.sentWall;
    const until = rows[index + 1]?.sentWall ?? from + 3000;
    const around = events.filter((event) => event.at >= from - 200 && event.at < until);
    const stalls = around.filter((event) => event.event === 'stall');
    if (row.slow.length === 0 && stalls.length === 0) return;
    console.error(`reload ${index + 1}: ${row.slow.length} slow or failed; events (ms from SIGHUP):`);
    for (const event of around) {
      if (event.event === 'stall') console.error(`  ${ms(event.at - event.ms - from)} → ${ms(event.at - from)}  ${who(row, event.pid)}: event loop stalled ${event.ms.toFixed(0)} ms`);
      else console.error(`  ${ms(event.at - from)}          ${who(row, event.pid)}: ${event.event}${event.cpuMs === undefined ? '' : ` (CPU ${event.cpuMs} ms${event.requests === undefined ? '' : `, ${event.requests} requests`})`}`);
    }
    const phaseOf = (at) => {
      const newListening = around.find((event) => event.event === 'listening' && !row.oldPids.has(event.pid))?.at ?? Infinity;
      const oldClosed = around.find((event) => event.event === 'listener closed' && row.oldPids.has(event.pid))?.at ?? Infinity;
      return at < newListening ? 'before new listens' : at < oldClosed ? 'both listen' : 'after old closed';
    };
    for (const r of row.slow) {
      const generation = row.oldPids.has(r.pid) ? 'old' : 'new';
      const connection = r.reused ? `keep-alive #${r.requestOnConnection}` : 'new connection';
      const phase = phaseOf(r.startWall);
      if (r.outcome === 'ok') count(`${generation}, ${r.reused ? 'reused connection' : 'new connection'}, sent ${phase}`);
      if (r.outcome !== 'ok') {
        count(`${r.outcome}, ${r.reused ? 'reused connection' : 'new connection'}, sent ${phase}`);
        console.error(`  sent ${ms(r.startWall - from)}  ${r.outcome} at ${ms(r.startWall + (r.end - r.start) - from)}, ${r.handlerMs} ms handler, ${r.reused ? 'reused connection' : 'new connection'}`);
        continue;
      }
      console.error(
        `  sent ${ms(r.startWall - from)}  accepted ${ms(r.accepted - from)}  received ${ms(r.received - from)}  answered ${ms(r.startWall + (r.end - r.start) - from)}  +${(r.end - r.start - r.handlerMs).toFixed(0)} ms  ${r.handlerMs} ms handler, ${generation} pid ${r.pid}, ${connection}`,
      );
    }
  });
  // No process accepts from the old generation's close of its listener until the new one's first accept.
  const gaps = rows.map((row, index) => {
    const until = rows[index + 1]?.sentWall ?? row.sentWall + 3000;
    const around = events.filter((event) => event.at >= row.sentWall && event.at < until);
    const oldClosed = around.find((event) => event.event === 'listener closed' && row.oldPids.has(event.pid))?.at;
    const newAccepted = around.find((event) => event.event === 'first connection' && !row.oldPids.has(event.pid))?.at;
    return oldClosed === undefined || newAccepted === undefined ? NaN : Math.max(0, newAccepted - oldClosed);
  }).filter(Number.isFinite);
  const cpu = (name) => events.filter((event) => event.event === name && event.cpuMs !== undefined).map((event) => event.cpuMs);
  const cpuLine = (label, values) => values.length > 0 && console.error(`${label}, median / max CPU ms: ${median(values).toFixed(1)} / ${Math.max(...values).toFixed(1)}`);
  cpuLine('a generation from its start to its first accept', cpu('first connection'));
  const perRequest = (name) => events.filter((event) => event.event === name && event.requests > 0).map((event) => (event.cpuMs / event.requests) * 1000);
  cpuLine("a new generation's first 100 ms of serving", cpu('served 100 ms'));
  cpuLine('100 ms of serving 600 ms later', cpu('served 100 ms warm'));
  const cold = perRequest('served 100 ms');
  const warm = perRequest('served 100 ms warm');
  if (cold.length > 0 && warm.length > 0) console.error(`CPU µs per request, first 100 ms / 600 ms later, median: ${median(cold).toFixed(0)} / ${median(warm).toFixed(0)}`);
  cpuLine('an old generation from SIGTERM to its exit', cpu('exit'));
  if (gaps.length > 0) console.error(`old listener closed → new generation's first accept, median / max ms: ${median(gaps).toFixed(1)} / ${Math.max(...gaps).toFixed(1)}`);
  console.error(`slow (and failed) requests by generation, connection and phase (of ${rows.reduce((sum, row) => sum + row.requests, 0)} requests in the windows):`);
  for (const [key, value] of counts) console.error(`  ${String(value).padStart(4)}  ${key}`);
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
  const variants = [
    ['farewell', 'farewell --listen, SIGHUP', () => farewellReload('reload')],
    ['pm2', 'pm2 reload (cluster ×2, wait_ready)', pm2Reload],
    ['naive', 'naive restart (farewell CLI, stop then start)', naiveRestart],
    ['crashing', 'farewell --listen, every new generation crashes', () => farewellReload('crashing')],
    ['control', 'control: farewell --listen, no reload', () => farewellReload('control')],
    // Not run by default: the program says ready with process.send('ready') instead of ready().
    ['send-at-once', "farewell --listen, SIGHUP, process.send('ready') at once", () => farewellReload('send-at-once')],
  ];
  // BENCH_ROUNDS=n: the selected variants run in turn n times (RELOADS each time), so a change in the machine's load hits all alike.
  const selected = variants.filter(([key]) => VARIANTS.includes(key));
  const results = selected.map(([, name]) => [name, []]);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [, , runVariant]] of selected.entries()) results[index][1].push(...(await runVariant()));
  }
  printSection(
    `Reload under load: ${RELOADS * ROUNDS} reloads each${ROUNDS > 1 ? ` (${ROUNDS} rounds of ${RELOADS}, variants in turn)` : ""} (16 keep-alive connections, 4 of them ${SLOW_MS} ms requests, plus new connections)`,
    ['variant', 'failed requests', 'refused / reset / timed out', 'reloads with a failure', 'latency above handler, median / max ms', 'signal → new generation serving, median / max ms', 'peak processes', 'requests in reload windows'],
    results.map(([name, rows]) => summarize(name, rows)),
    [
      `Each reload at a random moment 150–450 ms after the previous one finished; a reload's window runs from the signal (or \`pm2 reload\`, or SIGTERM) to 300 ms after the new generation first answered (with crashing generations, 300 ms after the CLI's line on the failed reload; for the control, ${CONTROL_WINDOW_MS} + 300 ms with no signal). "Latency above handler" is the longest (response time − handler time) of the requests in each window: the median and the maximum over the windows. Peak processes: server processes (not the CLI or the pm2 daemon) seen at once, sampled every 20 ms. Targets: farewell 0 failed over the ${RELOADS * ROUNDS} reloads, latency above handler ≤ 50 ms, and 0 failed when every new generation crashes.`,
    ],
  );
}
