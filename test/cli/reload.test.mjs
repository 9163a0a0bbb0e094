// farewell --listen: reloads on real processes and real sockets (127.0.0.1,
// port 0 picked by the CLI): nothing refused, reset or lost across
// generations; failed generations leave the old one serving; signals during
// a reload. The heavy measurement (20 reloads against pm2) is bench/cli/reload.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { startLoad } from '../../bench/lib/load.mjs';
import { getOnce, listeningOn, startCli, startNewConnections } from '../helpers/reload.mjs';
import { recordProcesses, waitUntilGone } from '../helpers/proc.mjs';
import { freePort } from '../../bench/lib/free-port.mjs';

const RELOAD_LINE = /^farewell: reload (\d+): generation (\d+) \(pid \d+\) ready after \d+ ms; generation (\d+) \(pid \d+\) drained in \d+ ms, (\d+) requests? completed during the drain$/;

/** Sends SIGHUP and waits for that reload's line on stderr. */
async function reload(cli, number) {
  cli.child.kill('SIGHUP');
  return cli.waitFor('stderr', new RegExp(`^farewell: reload ${number}[: ]`));
}

/** Pids of the generations seen so far, from their "listening" lines. */
function generationPids(cli) {
  return cli.stdout.filter((line) => / listening /.test(line)).map((line) => Number(line.split(' pid ')[1]));
}

describe('reload', { concurrency: 2, skip: process.platform === 'win32' && 'no fd passing on Windows' }, () => {
  test('3 reloads under keep-alive load and a stream of new connections: 0 failed, 0 refused, every generation served', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0', '--timeout', '5s']);
    const port = Number(await listeningOn(cli));
    // 16 keep-alive connections, a mix of fast and 40 ms requests, and new connections all along.
    const fast = startLoad(port, { connections: 12, path: '/ms/0', maxMs: 15_000, maxRequests: 100_000 });
    const slow = startLoad(port, { connections: 4, path: '/ms/40', maxMs: 15_000, maxRequests: 100_000 });
    const fresh = startNewConnections(port, { loops: 2 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const number of [1, 2, 3]) {
      const line = await reload(cli, number);
      assert.match(line, RELOAD_LINE);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [fastSummary, slowSummary, freshSummary] = [await fast.stop(), await slow.stop(), await fresh.stop()];
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.signal, 'SIGTERM', result.stderr);
    for (const [name, summary] of [['fast', fastSummary], ['slow', slowSummary]]) {
      assert.deepEqual({ name, failed: summary.failedAfterSent, refused: summary.refused, failures: summary.failures }, { name, failed: 0, refused: 0, failures: {} }, cli.stderr.join('\n'));
    }
    assert.deepEqual(freshSummary.failures, {});
    // Every generation answered new connections; the last one is g4.
    assert.deepEqual(Object.keys(freshSummary.generations).sort(), ['g1', 'g2', 'g3', 'g4']);
    assert.ok(fastSummary.ok > 100 && slowSummary.ok > 10, `${fastSummary.ok} fast, ${slowSummary.ok} slow`);
    // The old generations' drains answered the keep-alive requests they had: counted in the reload lines.
    const completed = cli.stderr.filter((line) => RELOAD_LINE.test(line)).map((line) => Number(RELOAD_LINE.exec(line)[4]));
    assert.equal(completed.length, 3);
    assert.deepEqual(await waitUntilGone(recordProcesses(generationPids(cli))), []);
  });

  test('a generation that crashes at start leaves the old one serving: one line, 0 failed requests, and later reloads work', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0'], ['--crash', '2']);
    const port = Number(await listeningOn(cli));
    const fresh = startNewConnections(port);
    const line = await reload(cli, 1);
    assert.match(line, /^farewell: reload 1 failed: generation 2 \(pid \d+\) exited with code 3 before it was ready; generation 1 \(pid \d+\) keeps serving$/);
    assert.equal((await getOnce(port)).body.split(' ')[0], 'g1');
    assert.match(await reload(cli, 2), RELOAD_LINE);
    const summary = await fresh.stop();
    assert.deepEqual(summary.failures, {});
    assert.equal((await getOnce(port)).body.split(' ')[0], 'g3');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.signal, 'SIGTERM');
    assert.deepEqual(result.lines.filter((l) => l.includes('crashing')), ['g2 crashing']);
  });

  test('a generation never ready within --ready-timeout is stopped; the old one keeps serving', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0', '--ready-timeout', '600ms'], ['--never-ready', '2']);
    const port = Number(await listeningOn(cli));
    const line = await reload(cli, 1);
    assert.match(line, /^farewell: reload 1 failed: generation 2 \(pid \d+\) was not ready within 600 ms \(--ready-timeout\) and is stopped; generation 1 \(pid \d+\) keeps serving$/);
    // (On a loaded machine generation 2 may be stopped before it even listens: take its pid from the line.)
    const g2 = Number(/generation 2 \(pid (\d+)\)/.exec(line)[1]);
    assert.deepEqual(await waitUntilGone(recordProcesses([g2])), []);
    for (let i = 0; i < 5; i++) assert.equal((await getOnce(port)).body.split(' ')[0], 'g1');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });

  test('a storm of SIGHUP during a reload is coalesced into one more reload', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0'], ['--start-ms', '300']);
    await listeningOn(cli);
    cli.child.kill('SIGHUP');
    await cli.waitFor('stdout', /^g2 /).catch(() => {});
    for (let i = 0; i < 5; i++) cli.child.kill('SIGHUP');
    assert.match(await cli.waitFor('stderr', /^farewell: reload 1/), RELOAD_LINE);
    assert.match(await cli.waitFor('stderr', /^farewell: reload 2/), RELOAD_LINE);
    // Nothing more: wait as long as a third reload would take to start, then stop.
    await new Promise((resolve) => setTimeout(resolve, 800));
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.signal, 'SIGTERM');
    assert.deepEqual(result.lines.filter((line) => / listening /.test(line)).map((line) => line.split(' ')[0]), ['g1', 'g2', 'g3']);
    assert.equal(cli.stderr.filter((line) => line.startsWith('farewell: reload')).length, 2);
  });

  test('SIGTERM during a reload stops both generations gracefully, once each; the CLI dies by SIGTERM as the serving one did', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0', '--timeout', '5s'], ['--never-ready', '2']);
    const port = Number(await listeningOn(cli));
    cli.child.kill('SIGHUP');
    const g2 = Number((await cli.waitFor('stdout', /^g2 listening/)).split(' pid ')[1]);
    const g1 = generationPids(cli)[0];
    const records = recordProcesses([g1, g2]);
    const pending = getOnce(port, '/ms/300'); // in flight at SIGTERM: answered by whichever accepted it
    await new Promise((resolve) => setTimeout(resolve, 50));
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.signal, 'SIGTERM');
    assert.equal((await pending).status, 200);
    assert.equal(result.stderr, ''); // no reload line, nothing killed after --timeout
    assert.deepEqual(await waitUntilGone(records), []);
  });

  test('a generation that exits by itself ends the CLI with its status, as without --listen', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0'], [], { command: ['sh', '-c', 'exit 7'] });
    const result = await cli.done;
    assert.equal(result.code, 7);
    assert.equal(result.stderr, '');
  });

  test("ready() is sent once the start-up work after it is done: the old generation is not stopped while the new one cannot accept yet", async () => {
    // Generation 2 calls ready() and then keeps its event loop busy for 800 ms, as
    // a program's remaining start-up code does: until it is over, nothing accepts
    // on the shared socket but the old generation, so that one must still serve.
    const cli = startCli(['--listen', '127.0.0.1:0'], ['--busy-after-ready', '2:800']);
    await listeningOn(cli);
    assert.match(await reload(cli, 1), RELOAD_LINE);
    await Promise.all([cli.waitFor('stdout', /^g2 free$/), cli.waitFor('stdout', /^g1 exit$/)]);
    const order = cli.stdout.filter((line) => /^g\d (free|exit)$/.test(line));
    assert.deepEqual(order, ['g2 free', 'g1 exit']);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });

  test('--rewrite TERM:INT: the old generation is asked to stop with SIGINT, once', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0', '--rewrite', 'TERM:INT'], ['--own-signals']);
    await listeningOn(cli);
    assert.match(await reload(cli, 1), /^farewell: reload 1: generation 2 \(pid \d+\) ready after \d+ ms; generation 1 \(pid \d+\) stopped in \d+ ms \(it sent no drain report: not using farewell\/http\)$/);
    assert.deepEqual(cli.stdout.filter((line) => line.startsWith('g1 got')), ['g1 got SIGINT']);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(result.lines.filter((line) => / got /.test(line)), ['g1 got SIGINT', 'g2 got SIGINT']);
  });
});

describe('examples/http/reload.mjs', () => {
  test('under farewell --listen: serves, reloads to a new pid, and stops on SIGTERM', async () => {
    const example = fileURLToPath(new URL('../../examples/http/reload.mjs', import.meta.url));
    const cli = startCli(['--listen', '127.0.0.1:0'], [], { command: [process.execPath, example] });
    const first = await cli.waitFor('stdout', /listening on http:\/\/127\.0\.0\.1:\d+ \(inherited fd 3\)$/);
    const port = Number(/:(\d+) /.exec(first)[1]);
    const before = (await getOnce(port)).body;
    assert.match(await reload(cli, 1), RELOAD_LINE);
    const after = (await getOnce(port)).body;
    assert.match(after, /^hello from \d+\n$/);
    assert.notEqual(after, before);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });
});

describe('readiness', { concurrency: 2 }, () => {
  test('--ready-url counts a 200 only from the new generation, not from the old one answering on the same socket', async () => {
    const port = await freePort();
    // Each generation listens 600 ms after it starts; g1 answers /ready with 200 all that time.
    const cli = startCli(['--listen', `127.0.0.1:${port}`, '--ready-url', `http://127.0.0.1:${port}/ready`], ['--silent', '--start-ms', '600']);
    await listeningOn(cli);
    const line = await reload(cli, 1);
    assert.match(line, RELOAD_LINE);
    const readyAfter = Number(/ready after (\d+) ms/.exec(line)[1]);
    assert.ok(readyAfter >= 600, `ready after ${readyAfter} ms: a 200 from generation 1 was taken for generation 2's`);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });

  test('--ready-delay: a program that never says it is ready is taken as ready after the delay', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0', '--ready-delay', '400ms'], ['--silent']);
    await listeningOn(cli);
    const line = await reload(cli, 1);
    assert.match(line, RELOAD_LINE);
    assert.ok(Number(/ready after (\d+) ms/.exec(line)[1]) >= 400, line);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });

  test("a program without the library: server.listen({ fd: 3 }) and process.send('ready') (PM2's convention)", async () => {
    const cli = startCli(['--listen', '127.0.0.1:0'], ['--no-library']);
    const port = Number(await listeningOn(cli));
    assert.match(await reload(cli, 1), RELOAD_LINE);
    assert.equal((await getOnce(port)).body.split(' ')[0], 'g2');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });
});
