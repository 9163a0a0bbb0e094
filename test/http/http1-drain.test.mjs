// The HTTP/1.1 drain, step by step, in this process: trackServer() + close(),
// real servers on 127.0.0.1 and real keep-alive clients (http.Agent, undici).
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { describe, test } from 'node:test';
import Fastify from 'fastify';
import { Client } from 'undici';
import { DrainTimeoutError, closeGracefully, trackServer } from 'farewell/http';
import { connectRaw, listen, readResponses, request, sleep, tls, waitForEvents, watchSocket } from '../helpers/http-clients.mjs';

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

  test('idle keep-alive sockets are left to their clients: no FIN from the server; the drain ends when the client closes them', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const sockets = [];
    await Promise.all(Array.from({ length: 5 }, () => request(port, '/ms/0', { agent, onSocket: (s) => sockets.push(s) })));
    const watched = sockets.map((socket) => watchSocket(socket));
    let ended = false;
    const closing = drain.close().then((report) => ((ended = true), report));
    await sleep(400); // four times idleGrace: the server has not touched them
    assert.equal(ended, false);
    assert.ok(sockets.every((socket) => !socket.destroyed && socket.readable), 'the server sent no FIN');
    // Reused now, a socket is answered with Connection: close.
    const reused = await request(port, '/ms/0', { agent });
    assert.deepEqual([reused.status, reused.connection, reused.reusedSocket], [200, 'close', true]);
    const closedAt = performance.now();
    agent.destroy();
    const report = await closing;
    assert.equal(report.outcome, 'drained');
    assert.equal(report.connectionsAtStart, 5);
    assert.equal(report.connectionsDestroyed, 0);
    assert.ok(performance.now() - closedAt < 500, 'the drain ended as the client closed its sockets');
    assert.deepEqual(await Promise.all(watched), Array(5).fill({ errors: [], hadError: false }));
  });

  test('idle keep-alive sockets whose clients never come back are closed with a FIN at the timeout: drained, nothing cut', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const sockets = [];
    await Promise.all(Array.from({ length: 3 }, () => request(port, '/ms/0', { agent, onSocket: (s) => sockets.push(watchSocket(s)) })));
    const report = await drain.close({ timeout: 300 });
    assert.equal(report.outcome, 'drained');
    assert.ok(report.durationMs >= 290, `ended after ${report.durationMs} ms`);
    assert.deepEqual([report.connectionsDestroyed, report.requestsCut], [0, []]);
    assert.deepEqual(await Promise.all(sockets), Array(3).fill({ errors: [], hadError: false }));
  });

  test("idleKeepAlive: 'close': idle keep-alive sockets close with a FIN once idle for idleGrace, no client error", async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    const sockets = [];
    // Idle since the server ended the last response: the client may see it later on a loaded machine.
    let idleSince = 0;
    server.on('request', (req, res) => res.on('close', () => (idleSince = performance.now())));
    await Promise.all(Array.from({ length: 5 }, () => request(port, '/ms/0', { agent, onSocket: (s) => sockets.push(watchSocket(s)) })));
    const report = await drain.close({ idleGrace: 200, idleKeepAlive: 'close' });
    const closedAfter = performance.now() - idleSince;
    assert.deepEqual(await Promise.all(sockets), Array(5).fill({ errors: [], hadError: false }));
    assert.equal(report.connectionsAtStart, 5);
    // Timers may fire a little early (ms rounding); the upper bound only shows it did not wait for something else.
    assert.ok(closedAfter >= 190 && closedAfter < 1000, `closed ${closedAfter} ms after the sockets went idle`);
    assert.equal(Object.keys(agent.freeSockets).length, 0);
    // The listener is closed: a new connection is refused, not accepted and reset.
    assert.equal((await request(port, '/ms/0', { agent })).error, 'ECONNREFUSED');
  });

  test("idleKeepAlive: 'close': sockets idle for longer than idleGrace close at once", async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const agent = new http.Agent({ keepAlive: true });
    await Promise.all(Array.from({ length: 20 }, () => request(port, '/ms/0', { agent })));
    await sleep(300);
    // Waiting out the grace from the drain's start would take 250 ms; the margin absorbs a loaded machine.
    const report = await drain.close({ idleGrace: 250, idleKeepAlive: 'close' });
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

  test('a request pipelined after a response that closes the connection is not handed to the application (defect 8)', async () => {
    // A client sends GET /slow; the drain starts; then GET /a1 and GET /a2 arrive on the same
    // socket. /a1 is answered at once, with Connection: close committed before /a2 is read: Node.js
    // would drop the socket after /a1, so /a2 must not run (the client may retry it safely).
    const executed = [];
    const server = http.createServer((req, res) => {
      executed.push(req.url);
      if (req.url === '/slow') setTimeout(() => res.end('slow'), 150);
      else res.end(req.url.slice(1));
    });
    const drain = trackServer(server);
    const port = await listen(server);
    const socket = await connectRaw(port);
    const replies = readResponses(socket);
    const arrived = once(server, 'request');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrived;
    const closing = drain.close();
    socket.write('GET /a1 HTTP/1.1\r\nHost: x\r\n\r\nGET /a2 HTTP/1.1\r\nHost: x\r\n\r\n');
    const { responses, rest, errors } = await replies;
    const report = await closing;
    assert.deepEqual(responses.map((r) => [r.status, r.connection, r.body]), [
      [200, undefined, 'slow'],
      [200, 'close', 'a1'],
    ]);
    assert.deepEqual([rest, errors], ['', []]);
    // Every request the application saw was answered, and no other.
    assert.deepEqual(executed, ['/slow', '/a1']);
    assert.equal(report.requestsCompleted, 2);
  });

  test('a request pipelined behind one the application answered with its own Connection: close is not handed over either', async () => {
    const executed = [];
    const server = http.createServer((req, res) => {
      executed.push(req.url);
      // The application commits to closing: its head (written at once, queued behind /slow) says so.
      if (req.url === '/bye') res.writeHead(200, { connection: 'close', 'content-length': 3 });
      setTimeout(() => res.end(req.url.slice(1)), req.url === '/slow' ? 150 : 0);
    });
    const drain = trackServer(server);
    const port = await listen(server);
    const socket = await connectRaw(port);
    const replies = readResponses(socket);
    const arrived = once(server, 'request');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await arrived;
    const closing = drain.close();
    socket.write('GET /bye HTTP/1.1\r\nHost: x\r\n\r\nPOST /after HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi');
    const { responses, errors } = await replies;
    await closing;
    assert.deepEqual(responses.map((r) => [r.status, r.connection, r.body]), [
      [200, undefined, 'slow'],
      [200, 'close', 'bye'],
    ]);
    assert.deepEqual(errors, []);
    assert.deepEqual(executed, ['/slow', '/bye']);
  });

  test('the report names a request by its path only: no scheme, credentials, host, query or ;parameters (defect 9)', async () => {
    const server = http.createServer(() => {}); // never answers: every request is cut at the timeout
    const drain = trackServer(server);
    const port = await listen(server);
    const targets = [
      'http://admin:hunter2@internal.example/reports/hang?token=abc',
      '/hang;jsessionid=0123456789ABCDEF/deeper;v=2?x=1#frag',
      '//user:pw@other.example/hang/x',
      'HTTPS://admin:pw@[::1]:8443',
    ];
    const sockets = await Promise.all(targets.map(() => connectRaw(port)));
    const arrived = waitForEvents(server, 'request', targets.length);
    targets.forEach((target, index) => sockets[index].write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`));
    await arrived;
    const ends = sockets.map((socket) => readResponses(socket));
    const error = await drain.close({ timeout: 100 }).catch((rejection) => rejection);
    assert.ok(error instanceof DrainTimeoutError, String(error));
    assert.deepEqual(error.report.requestsCut.map((cut) => cut.route).sort(), ['/', '/hang/deeper', '/hang/x', '/reports/hang'].sort());
    assert.doesNotMatch(error.message, /hunter2|admin|internal\.example|jsessionid|token|user|pw|other\.example|frag/);
    await Promise.all(ends);
  });

  test('closeGracefully() while listen() is still resolving its address leaves no listener behind (defect 12)', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1'); // a host makes Node.js bind on a later tick
    assert.equal(server.listening, false);
    const report = await closeGracefully(server);
    assert.equal(report.outcome, 'drained');
    await sleep(50);
    assert.equal(server.listening, false);
    assert.equal(server.address(), null);
  });

  test('trackServer() + close() while listen() is pending, and a listen() called during the drain: no listener behind (defect 12)', async () => {
    const server = createServer();
    const drain = trackServer(server);
    server.listen(0, '127.0.0.1');
    const report = await drain.close();
    assert.equal(report.outcome, 'drained');
    await sleep(50);
    assert.equal(server.listening, false);

    // A drain still running (a request in flight) when the application calls listen() again.
    const other = createServer();
    const otherDrain = trackServer(other);
    const port = await listen(other);
    const busy = request(port, '/ms/200', { agent: false });
    await once(other, 'request');
    const closing = otherDrain.close();
    other.listen(0, '127.0.0.1');
    await once(other, 'listening');
    await sleep(20);
    assert.equal(other.listening, false, 'closed again as soon as it listened');
    assert.equal((await busy).status, 200);
    await closing;
  });

  test('closeGracefully(fastify) while fastify.listen() waits for its plugins: the server is closed as soon as it binds (defect 12)', async () => {
    const fastify = Fastify();
    fastify.get('/', async () => 'late');
    const listening = fastify.listen({ port: 0, host: '127.0.0.1' });
    const report = await closeGracefully(fastify);
    assert.equal(report.outcome, 'drained');
    await listening.catch(() => {});
    await sleep(20);
    assert.equal(fastify.server.listening, false);
  });

  test('a connection that never sends a byte does not hold the drain: closed with a FIN once idle for idleGrace', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const accepted = waitForEvents(server, 'connection', 1);
    const silent = await connectRaw(port);
    await accepted;
    const watched = watchSocket(silent);
    const ended = once(silent, 'end');
    const report = await drain.close({ timeout: 5000 });
    assert.equal(report.outcome, 'drained');
    assert.ok(report.durationMs < 1000, `took ${report.durationMs} ms`);
    await ended; // a FIN, not a reset
    silent.end();
    assert.deepEqual(await watched, { errors: [], hadError: false });
  });

  test('a request whose headers arrive in pieces is never closed for being idle: served with Connection: close once complete', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    // One fresh connection, and one keep-alive connection that has carried a request: both start a request, slowly.
    const fresh = await connectRaw(port);
    const used = await connectRaw(port);
    const replies = [readResponses(fresh), readResponses(used)];
    used.write('GET /ms/0 HTTP/1.1\r\nHost: x\r\n\r\n');
    await once(server, 'request');
    await sleep(20);
    fresh.write('GET /ms/0 HTTP/1.1\r\nHo');
    used.write('GET /ms/1 HTTP/1.1\r\nHo');
    await sleep(20);
    const closing = drain.close({ idleGrace: 50, idleKeepAlive: 'close' });
    await sleep(300); // six times idleGrace
    fresh.write('st: x\r\n\r\n');
    used.write('st: x\r\n\r\n');
    const [first, second] = await Promise.all(replies);
    assert.deepEqual(first.responses.map((r) => [r.status, r.connection, r.body]), [[200, 'close', 'ms 0']]);
    assert.deepEqual(second.responses.map((r) => [r.status, r.connection, r.body]), [
      [200, 'keep-alive', 'ms 0'],
      [200, 'close', 'ms 1'],
    ]);
    assert.deepEqual([first.errors, second.errors], [[], []]);
    const report = await closing;
    assert.deepEqual([report.outcome, report.requestsCompleted], ['drained', 2]);
  });

  test('a request still incomplete at the timeout is destroyed and reported', async () => {
    const server = createServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const partial = await connectRaw(port);
    const reply = readResponses(partial);
    partial.write('GET /ms/0 HTTP/1.1\r\nHost: x\r\n');
    await sleep(20);
    const error = await drain.close({ timeout: 200 }).catch((rejection) => rejection);
    assert.ok(error instanceof DrainTimeoutError, String(error));
    assert.deepEqual([error.report.outcome, error.report.connectionsDestroyed, error.report.requestsCut], ['timed-out', 1, []]);
    assert.match(error.message, /no request had reached the application; destroyed 1 connection$/);
    assert.deepEqual((await reply).responses, []);
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
    agent.destroy();
    const report = await closing;
    assert.equal(report.delayMs, 200);
  });
});
