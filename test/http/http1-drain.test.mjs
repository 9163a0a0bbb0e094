// The HTTP/1.1 drain, step by step, in this process: trackServer() + close(),
// real servers on 127.0.0.1 and real keep-alive clients (http.Agent, undici).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { describe, test } from 'node:test';
import { Client } from 'undici';
import { DrainTimeoutError, closeGracefully, trackServer } from 'farewell/http';
import { connectRaw, listen, request, sleep, tls, waitForEvents, watchSocket } from '../helpers/http-clients.mjs';

/** A server whose `/ms/<n>` answers after n ms, `/stream/<n>` sends its head at once and its body after n ms, `/hang` never. */
function createServer(createWith = http.createServer, options = {}) {
  return createWith(options, (req, res) => {
    const [, route, value] = new URL(req.url, 'http://localhost').pathname.split('/');
    if (route === 'hang') return;
    const ms = Number(value ?? 0);
    if (route === 'stream') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      setTimeout(() => res.end(`streamed ${ms}`), ms);
      return;
    }
    setTimeout(() => res.end(`${route} ${ms}`), ms);
  });
}

describe('HTTP/1.1 drain', { concurrency: 4 }, () => {
  test('before the drain: keep-alive as usual, no Connection: close', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const results = [];
    for (let i = 0; i < 3; i++) results.push(await request(port, '/ms/0', { agent }));
    assert.deepEqual(results.map((r) => [r.status, r.connection, r.reusedSocket]), [
      [200, 'keep-alive', false],
      [200, 'keep-alive', true],
      [200, 'keep-alive', true],
    ]);
    assert.equal(drain.state, 'serving');
    agent.destroy();
    const report = await drain.close();
    assert.equal(report.outcome, 'drained');
  });

  test('in-flight requests on keep-alive sockets get their full response with Connection: close, then the sockets close', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const sockets = [];
    const arrived = waitForEvents(server, 'request', 2);
    const requests = [300, 250].map((ms) => request(port, `/ms/${ms}`, { agent, onSocket: (s) => sockets.push(watchSocket(s)) }));
    await arrived;
    const started = performance.now();
    const report = await drain.close();
    const results = await Promise.all(requests);
    assert.deepEqual(results.map((r) => [r.status, r.connection, r.body]), [
      [200, 'close', 'ms 300'],
      [200, 'close', 'ms 250'],
    ]);
    assert.deepEqual(await Promise.all(sockets), [
      { errors: [], hadError: false },
      { errors: [], hadError: false },
    ]);
    assert.equal(report.outcome, 'drained');
    assert.equal(report.connectionsAtStart, 2);
    assert.equal(report.requestsCompleted, 2);
    assert.deepEqual(report.requestsCut, []);
    assert.equal(report.server, `http://127.0.0.1:${port}`);
    // Event-driven: the drain ends right after the last response, not on a polling tick.
    const lastResponse = Math.max(...results.map((r) => r.endedAt));
    assert.ok(lastResponse - started > 200, `responses took ${lastResponse - started} ms`);
    assert.ok(started + report.durationMs - lastResponse < 100, `drain ended ${started + report.durationMs - lastResponse} ms after the last response`);
    assert.equal(drain.state, 'closed');
  });

  test('idle keep-alive sockets close with a FIN once idle for idleGrace: no client error', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const sockets = [];
    // Idle since the server ended the last response: the client may see it later on a loaded machine.
    let idleSince = 0;
    server.on('request', (req, res) => res.on('close', () => (idleSince = performance.now())));
    await Promise.all(Array.from({ length: 5 }, () => request(port, '/ms/0', { agent, onSocket: (s) => sockets.push(watchSocket(s)) })));
    const report = await drain.close({ idleGrace: 200 });
    const closedAfter = performance.now() - idleSince;
    assert.deepEqual(await Promise.all(sockets), Array(5).fill({ errors: [], hadError: false }));
    assert.equal(report.connectionsAtStart, 5);
    // Timers may fire a little early (ms rounding); the upper bound only shows it did not wait for something else.
    assert.ok(closedAfter >= 190 && closedAfter < 1000, `closed ${closedAfter} ms after the sockets went idle`);
    assert.equal(Object.keys(agent.freeSockets).length, 0);
    // The listener is closed: a new connection is refused, not accepted and reset.
    assert.equal((await request(port, '/ms/0', { agent })).error, 'ECONNREFUSED');
  });

  test('sockets idle for longer than idleGrace close at once', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    await Promise.all(Array.from({ length: 20 }, () => request(port, '/ms/0', { agent })));
    await sleep(300);
    // Waiting out the grace from the drain's start would take 250 ms; the margin absorbs a loaded machine.
    const report = await drain.close({ idleGrace: 250 });
    assert.equal(report.connectionsAtStart, 20);
    assert.ok(report.durationMs < 200, `took ${report.durationMs} ms`);
    agent.destroy();
  });

  test('a request arriving on a busy keep-alive socket during the drain is served, with Connection: close', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    // One socket: the second request waits for the first response, then reuses the socket.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const arrived = waitForEvents(server, 'request', 1);
    const first = request(port, '/stream/150', { agent });
    const second = request(port, '/ms/0', { agent });
    await arrived;
    const closing = drain.close();
    // The first response's head went out before the drain: keep-alive was already promised.
    const firstReply = await first;
    assert.deepEqual([firstReply.status, firstReply.connection, firstReply.body], [200, 'keep-alive', 'streamed 150']);
    const reply = await second;
    assert.deepEqual([reply.status, reply.connection, reply.body], [200, 'close', 'ms 0']);
    assert.equal(reply.socket, firstReply.socket, 'the second request reused the socket');
    const report = await closing;
    assert.equal(report.requestsCompleted, 2);
  });

  test('pipelined requests all complete; only the newest response says Connection: close', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const client = new Client(`http://127.0.0.1:${port}`, { pipelining: 3 });
    const get = (path) => client.request({ path, method: 'GET' }).then(async (r) => [r.statusCode, r.headers.connection, await r.body.text()]);
    const arrived = waitForEvents(server, 'request', 3);
    const responses = Promise.all([get('/ms/100'), get('/ms/50'), get('/ms/0')]);
    await arrived;
    const report = await drain.close();
    assert.deepEqual(await responses, [
      [200, 'keep-alive', 'ms 100'],
      [200, 'keep-alive', 'ms 50'],
      [200, 'close', 'ms 0'],
    ]);
    assert.equal(report.requestsCompleted, 3);
    await client.close();
  });

  test('a connection that never sends a byte, or only part of a request, does not hold the drain', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const accepted = waitForEvents(server, 'connection', 2);
    const silent = await connectRaw(port);
    const partial = await connectRaw(port);
    partial.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await accepted;
    const watched = [watchSocket(silent), watchSocket(partial)];
    const ends = [once(silent, 'end'), once(partial, 'end')];
    const report = await drain.close({ timeout: 5000 });
    assert.equal(report.outcome, 'drained');
    assert.ok(report.durationMs < 1000, `took ${report.durationMs} ms`);
    await Promise.all(ends); // a FIN, not a reset
    silent.end();
    partial.end();
    assert.deepEqual(await Promise.all(watched), [
      { errors: [], hadError: false },
      { errors: [], hadError: false },
    ]);
  });

  test('the timeout destroys a hanging request and names it (query string left out)', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const arrived = waitForEvents(server, 'request', 2);
    const hanging = request(port, '/hang?token=secret', { agent });
    const done = request(port, '/ms/0', { agent });
    await arrived;
    const error = await drain.close({ timeout: 200 }).then(
      () => assert.fail('resolved'),
      (error) => error,
    );
    assert.ok(error instanceof DrainTimeoutError);
    assert.equal(error.name, 'DrainTimeoutError');
    const match = new RegExp(`^the drain of http://127\\.0\\.0\\.1:${port} timed out after (\\d+) ms: cut 1 request \\(GET /hang\\); destroyed 1 connection$`).exec(error.message);
    assert.ok(match, error.message);
    assert.ok(Number(match[1]) >= 200 && Number(match[1]) < 600, `timed out after ${match[1]} ms`);
    assert.deepEqual(error.report.requestsCut, [{ method: 'GET', route: '/hang', protocol: 'http/1.1' }]);
    assert.equal(error.report.outcome, 'timed-out');
    assert.equal(error.report.connectionsDestroyed, 1);
    assert.equal((await hanging).error, 'ECONNRESET');
    assert.equal((await done).status, 200);
    // The same outcome for every later call.
    assert.equal(await closeGracefully(server).catch((again) => again), error);
  });

  test('closing is idempotent and the report stays available', async () => {
    const server = createServer();
    const drain = trackServer(server);
    await listen(server);
    const first = drain.close();
    assert.equal(drain.close(), first);
    assert.equal(closeGracefully(server), first);
    const report = await first;
    assert.deepEqual(report.requestsCut, []);
    assert.equal(trackServer(server), drain);
  });

  test('closeGracefully() on a server not tracked before: Node.js closes its idle sockets', async () => {
    const server = createServer();
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const idle = [];
    await request(port, '/ms/0', { agent, onSocket: (s) => idle.push(watchSocket(s)) });
    const report = await closeGracefully(server);
    assert.equal(report.outcome, 'drained');
    assert.deepEqual(await Promise.all(idle), [{ errors: [], hadError: false }]);
  });

  test('https: the same drain over TLS (close_notify, then FIN)', async () => {
    const server = createServer(https.createServer, tls);
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new https.Agent({ keepAlive: true, ca: tls.cert });
    const sockets = [];
    await request(port, '/ms/0', { agent, secure: true, onSocket: (s) => sockets.push(watchSocket(s)) });
    const arrived = waitForEvents(server, 'request', 1);
    const busy = request(port, '/ms/200', { agent, secure: true });
    await arrived;
    const report = await drain.close();
    const reply = await busy;
    assert.deepEqual([reply.status, reply.connection, reply.body], [200, 'close', 'ms 200']);
    assert.deepEqual(await Promise.all(sockets), [{ errors: [], hadError: false }]);
    assert.equal(report.server, `https://127.0.0.1:${port}`);
    assert.equal(report.connectionsAtStart, 1);
  });

  test('a server that never listened drains at once', async () => {
    const report = await closeGracefully(createServer());
    assert.deepEqual(report, {
      ...report,
      server: 'http server (never listened)',
      outcome: 'drained',
      connectionsAtStart: 0,
      requestsCompleted: 0,
      connectionsDestroyed: 0,
      requestsCut: [],
      delayMs: 0,
    });
  });

  test('close({ delay }) keeps serving normally during the delay', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const closing = drain.close({ delay: 200 });
    assert.equal(drain.state, 'delaying');
    const during = await request(port, '/ms/0', { agent });
    assert.deepEqual([during.status, during.connection], [200, 'keep-alive']);
    const report = await closing;
    assert.equal(report.delayMs, 200);
    agent.destroy();
  });
});
