// The sockets of farewell --listen: TCP and Unix specs, systemd's protocol in
// both directions (the CLI adopting LISTEN_FDS, a program adopting them with
// listen()), bad specs and ports in use, and the internals' fallback.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { runCli } from '../helpers/run-cli.mjs';
import { getOnce, listeningOn, startCli } from '../helpers/reload.mjs';
import { tls } from '../helpers/http-clients.mjs';

const dir = mkdtempSync(join(tmpdir(), 'farewell-reload-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const FRAMEWORKS = fileURLToPath(new URL('../fixtures/cli/listen-frameworks.mjs', import.meta.url));
const PRELOAD = fileURLToPath(new URL('../fixtures/cli/preload-without-create-server-handle.cjs', import.meta.url));
const RELOADED = /^farewell: reload 1: generation 2 /;

/** A listening server in this process, to occupy a port or to hand its socket on. */
async function occupy() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  return server;
}

/**
 * Spawns `args` the way systemd starts a socket-activated service: the
 * socket as fd 3, LISTEN_FDS, LISTEN_FDNAMES, and LISTEN_PID set to the
 * program's own pid (through sh's exec, which keeps the pid).
 */
function spawnActivated(socketHandle, args, env) {
  const child = spawn('/bin/sh', ['-c', 'LISTEN_PID=$$ exec "$0" "$@"', process.execPath, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', socketHandle],
    env: { ...process.env, NODE_DEBUG: '', LISTEN_FDS: '1', ...env },
  });
  let stdout = '';
  let stderr = '';
  const stderrWaiters = [];
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    for (const waiter of [...stderrWaiters]) if (waiter.regex.test(stderr)) waiter.resolve(stderrWaiters.splice(stderrWaiters.indexOf(waiter), 1));
  });
  const waitForStderr = (regex) => new Promise((resolve) => (regex.test(stderr) ? resolve() : stderrWaiters.push({ regex, resolve })));
  const line = new Promise((resolve) => child.stdout.on('data', () => stdout.includes('\n') && resolve(stdout.split('\n')[0])));
  const done = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr })));
  const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
  done.then(() => clearTimeout(guard));
  return { child, line, done, waitForStderr };
}

describe('--listen specs', { concurrency: 4 }, () => {
  test('a unix: socket with mode 660: served across a reload, removed at the end', async () => {
    const path = join(dir, 'app.sock');
    const cli = startCli(['--listen', `unix:${path}`]);
    await listeningOn(cli);
    assert.equal(statSync(path).mode & 0o777, 0o660);
    assert.equal((await getOnce(path)).body.split(' ')[0], 'g1');
    cli.child.kill('SIGHUP');
    await cli.waitFor('stderr', RELOADED);
    // The old generation's close() did not remove the file: the next one serves on it.
    assert.equal((await getOnce(path)).body.split(' ')[0], 'g2');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
    assert.equal(existsSync(path), false);
  });

  test('a stale unix socket file (nothing listening) is replaced; a live one is refused with status 1', async () => {
    const path = join(dir, 'stale.sock');
    const stale = net.createServer().listen(path);
    await once(stale, 'listening');
    const live = runCli(['--listen', `unix:${path}`, '--', 'true']);
    const refused = await live.done;
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `farewell: --listen 'unix:${path}': another process is listening on ${path}\n`);
    await new Promise((resolve) => stale.close(resolve));
    // A process killed while listening leaves its socket file behind.
    const killed = spawn(process.execPath, ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`], { stdio: ['ignore', 'pipe', 'inherit'] });
    await once(killed.stdout, 'data');
    killed.kill('SIGKILL');
    await once(killed, 'exit');
    assert.equal(statSync(path).isSocket(), true);
    const cli = startCli(['--listen', `unix:${path}`]);
    await listeningOn(cli);
    assert.equal((await getOnce(path)).status, 200);
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });

  test('named sockets: LISTEN_FDNAMES, and listen(server, fallback, { name })', async () => {
    const cli = startCli(['--listen', 'public=127.0.0.1:0', '--listen', 'admin=127.0.0.1:0'], ['admin'], { command: [process.execPath, FRAMEWORKS, 'http'] });
    const line = await cli.waitFor('stdout', /^listening /);
    assert.match(line, /^listening fd 4 admin \d+$/);
    cli.child.kill('SIGTERM');
    await cli.done;
  });

  test('port in use: status 1, the spec and the cause named, nothing started', async () => {
    const server = await occupy();
    const { port } = server.address();
    const result = await runCli(['--listen', `127.0.0.1:${port}`, '--', 'sh', '-c', 'echo started']).done;
    server.close();
    assert.equal(result.code, 1);
    assert.equal(result.stderr, `farewell: --listen '127.0.0.1:${port}': address already in use (EADDRINUSE)\n`);
    assert.equal(result.stdout.toString(), '');
  });

  test('an address not on this machine, a path that is not a socket: status 1', async () => {
    const file = join(dir, 'not-a-socket');
    writeFileSync(file, '');
    for (const [spec, message] of [
      ['192.0.2.1:3000', "farewell: --listen '192.0.2.1:3000': address not available (EADDRNOTAVAIL)\n"],
      [`unix:${file}`, `farewell: --listen 'unix:${file}': ${file} exists and is not a socket\n`],
      [`unix:${join(dir, 'missing', 'x.sock')}`, `farewell: --listen 'unix:${join(dir, 'missing', 'x.sock')}': the directory ${join(dir, 'missing')} does not exist\n`],
    ]) {
      const result = await runCli(['--listen', spec, '--', 'sh', '-c', 'echo started']).done;
      assert.equal(result.code, 1, spec);
      assert.equal(result.stderr, message);
      assert.equal(result.stdout.toString(), '');
    }
  });

  for (const [args, message] of [
    [['--listen', 'nope', 'true'], "invalid --listen 'nope': expected PORT, HOST:PORT, [IPv6]:PORT, unix:PATH or systemd, optionally as NAME=…"],
    [['--listen', '70000', 'true'], "invalid --listen '70000': the port must be from 0 to 65535"],
    [['--listen', '[::g]:80', 'true'], "invalid --listen '[::g]:80': '::g' is not an IPv6 address"],
    [['--listen', 'unix:', 'true'], "invalid --listen 'unix:': the socket path is empty"],
    [['--listen', `unix:/${'x'.repeat(120)}`, 'true'], `invalid --listen 'unix:/${'x'.repeat(120)}': the socket path is longer than 107 bytes`],
    [['--listen', '3000', '--backlog', '0', 'true'], "invalid --backlog '0': expected a number of connections, at least 1"],
    [['--listen', '3000', '--socket-mode', 'rw', 'true'], "invalid --socket-mode 'rw': expected an octal mode such as 660"],
    [['--listen', '3000', '--reload-signal', 'TERM', 'true'], "invalid --reload-signal 'TERM': SIGTERM stops the command; use HUP, USR2 or USR1"],
    [['--listen', '3000', '--ready-url', 'https://x/ready', 'true'], "invalid --ready-url 'https://x/ready': expected an http:// URL, e.g. http://127.0.0.1:3000/ready"],
    [['--listen', '3000', '--ready-url', 'http://x/', '--ready-delay', '1s', 'true'], 'use --ready-url or --ready-delay, not both'],
    [['--listen', '3000', '--ready-timeout', '0', 'true'], "invalid --ready-timeout '0': expected a duration such as 10s, 500ms or 2m, more than 0"],
    [['--reload-signal', 'USR2', 'true'], '--reload-signal needs --listen: reloading works on sockets the CLI holds'],
    [['--listen', '3000', '--rewrite', 'HUP:TERM', 'true'], '--rewrite HUP:… has no effect: SIGHUP reloads (--reload-signal) instead of being forwarded'],
    [['--listen', 'systemd', '--listen', '3000', 'true'], '--listen systemd takes every socket systemd passed; it cannot be combined with other --listen options'],
  ]) {
    test(`farewell ${args.join(' ').slice(0, 60)}: status 64, "${message.slice(0, 50)}…"`, async () => {
      const result = await runCli(args).done;
      assert.equal(result.code, 64);
      assert.equal(result.stderr, `farewell: ${message}\nTry 'farewell --help' for more information.\n`);
    });
  }

  test('--listen with a command that does not exist: 127, and the socket is closed', async () => {
    const result = await runCli(['--listen', '127.0.0.1:0', '--', 'farewell-no-such-command']).done;
    assert.equal(result.code, 127);
    assert.equal(result.stderr, 'farewell: farewell-no-such-command: command not found\n');
  });

  test('without net._createServerHandle (a future Node.js), the CLI binds through process.binding and reloads', async () => {
    const cli = startCli(['--listen', '127.0.0.1:0'], [], { node: ['-r', PRELOAD] });
    const port = Number(await listeningOn(cli));
    cli.child.kill('SIGHUP');
    await cli.waitFor('stderr', RELOADED);
    assert.equal((await getOnce(port)).body.split(' ')[0], 'g2');
    cli.child.kill('SIGTERM');
    assert.equal((await cli.done).signal, 'SIGTERM');
  });

  test("server.close() on the inherited socket closes only the program's descriptor: connections queue for the next generation", async () => {
    const cli = startCli(['--listen', '127.0.0.1:0'], ['--close-after-ready', '1']);
    const port = Number(await listeningOn(cli));
    await cli.waitFor('stdout', /^g1 closed its server$/);
    // Nobody accepts now, but the CLI still holds the listening socket: the connection is queued, not refused.
    const socket = net.connect(port, '127.0.0.1');
    const outcome = await Promise.race([once(socket, 'connect').then(() => 'connected'), once(socket, 'error').then(([error]) => error.code)]);
    assert.equal(outcome, 'connected');
    socket.write('GET /ms/0 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    // The next generation accepts it from the queue and answers.
    cli.child.kill('SIGHUP');
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk) => (answer += chunk));
    await once(socket, 'end');
    assert.match(answer, /\r\n\r\ng2 \d+$/);
    cli.child.kill('SIGTERM');
    await cli.done;
  });
});

describe("systemd's protocol", { concurrency: 4 }, () => {
  for (const kind of ['http', 'https', 'http2', 'express', 'koa', 'fastify']) {
    test(`${kind}: listen() adopts the socket systemd passes (LISTEN_FDS, LISTEN_PID), and its close leaves it open`, async () => {
      const server = await occupy();
      const { port } = server.address();
      const program = spawnActivated(server._handle, [FRAMEWORKS, kind], { LISTEN_FDNAMES: 'web' });
      server.close(); // the program holds the socket now; this process no longer accepts
      assert.equal(await program.line, `listening fd 3 web ${port}`);
      const secure = kind === 'https' || kind === 'http2';
      const answer = await fetchText(port, secure);
      assert.equal(answer, kind);
      program.child.kill('SIGTERM');
      assert.equal((await program.done).code, 0);
    });
  }

  test('LISTEN_PID of another process: the sockets are not ours, listen() uses the fallback', async () => {
    const server = await occupy();
    const child = spawn(process.execPath, [FRAMEWORKS, 'http'], {
      stdio: ['ignore', 'pipe', 'inherit', server._handle],
      env: { ...process.env, LISTEN_FDS: '1', LISTEN_PID: '1' },
    });
    server.close();
    const [chunk] = await once(child.stdout, 'data');
    assert.match(String(chunk), /^listening fallback \d+\n$/);
    child.kill('SIGTERM');
    await once(child, 'exit');
  });

  for (const [env, message] of [
    [{ LISTEN_FDS: 'two' }, "LISTEN_FDS is 'two': expected the number of inherited sockets (1 or more)"],
    [{ LISTEN_FDS: '1', LISTEN_FDNAMES: 'a:b' }, "LISTEN_FDNAMES is 'a:b': 2 names for LISTEN_FDS=1 sockets"],
    [{ LISTEN_FDS: '2' }, 'LISTEN_FDS=2 says fd 4 is an inherited socket, but it is not an open socket'],
  ]) {
    test(`malformed variables fail loudly: ${message.slice(0, 40)}…`, async () => {
      const server = await occupy();
      const program = spawnActivated(server._handle, [FRAMEWORKS, 'http'], env);
      server.close();
      const result = await program.done;
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`Error: ${message.replace(/[()[\]|.*+?]/g, '\\$&')}`));
    });
  }

  test('a name no inherited socket has is an error, not a silent fallback', async () => {
    const server = await occupy();
    const program = spawnActivated(server._handle, [FRAMEWORKS, 'http', 'admin'], { LISTEN_FDNAMES: 'web' });
    server.close();
    const result = await program.done;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /Error: no inherited socket named 'admin' is free; inherited: web \(fd 3\)/);
  });

  test('--listen systemd: the CLI adopts the sockets systemd passed it and reloads on them', async () => {
    const server = await occupy();
    const { port } = server.address();
    const cli = spawnActivated(server._handle, [fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url)), '--listen', 'systemd', '--', process.execPath, FRAMEWORKS, 'http'], { LISTEN_FDNAMES: 'web' });
    server.close();
    assert.equal(await cli.line, `listening fd 3 web ${port}`);
    assert.equal(await fetchText(port, false), 'http');
    cli.child.kill('SIGHUP');
    await cli.waitForStderr(/^farewell: reload 1: generation 2 .* stopped in/m);
    assert.equal(await fetchText(port, false), 'http');
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    assert.equal(result.code, 0, result.stderr); // the program exits 0 on SIGTERM
  });
});

/** GET / on 127.0.0.1:port (https with the test certificate when `secure`), the body. */
function fetchText(port, secure) {
  const client = secure ? https : http;
  return new Promise((resolve, reject) => {
    client
      .get({ host: '127.0.0.1', port, path: '/', agent: false, ...(secure ? { ca: tls.cert } : {}) }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}
