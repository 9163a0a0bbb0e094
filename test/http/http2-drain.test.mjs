// HTTP/2: GOAWAY, open streams finish, sessions close; cleartext and secure
// with the HTTP/1.1 fallback. Real http2.connect clients.
import assert from 'node:assert/strict';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
import { describe, test } from 'node:test';
import { trackServer } from 'farewell/http';
import { h2connect, h2request, listen, request, tls, waitForEvents } from '../helpers/http-clients.mjs';

/** `/ms/<n>` answers after n ms, `/hang` never; core API (`'stream'`) or compatibility API (`'request'`). */
function respondAfter(path, respond) {
  const [, route, value] = path.split('?')[0].split('/');
  if (route === 'hang') return;
  setTimeout(() => respond(`${route} ${value}`), Number(value ?? 0));
}

function coreApiServer(create) {
  const server = create();
  server.on('stream', (stream, headers) =>
    respondAfter(headers[':path'], (body) => {
      stream.respond({ ':status': 200 });
      stream.end(body);
    }),
  );
  return server;
}

describe('HTTP/2 drain', { concurrency: 4 }, () => {
  test('h2c: GOAWAY, the open stream completes, then the session closes', async () => {
    const server = coreApiServer(() => http2.createServer());
    const drain = trackServer(server);
    const port = await listen(server);
    const { session, goaways, closed } = await h2connect(port);
    const arrived = waitForEvents(server, 'stream', 1);
    const open = h2request(session, '/ms/300');
    await arrived;
    const report = await drain.close();
    const reply = await open;
    assert.deepEqual([reply.status, reply.body, reply.error], [200, 'ms 300', undefined]);
    await closed;
    // RFC 9113 §6.8: a first GOAWAY with the largest stream id, then the final one with the last
    // stream processed (Node.js repeats it when the session is destroyed).
    assert.deepEqual(goaways[0], { code: 0, lastStreamID: 2 ** 31 - 1 });
    assert.deepEqual(goaways.slice(1), Array(goaways.length - 1).fill({ code: 0, lastStreamID: 1 }));
    assert.ok(goaways.length >= 2);
    assert.equal(report.outcome, 'drained');
    assert.equal(report.connectionsAtStart, 1);
    assert.equal(report.requestsCompleted, 1);
    assert.equal(report.server, `http://127.0.0.1:${port} (HTTP/2)`);
  });

  test('a session idle for idleGrace gets the final GOAWAY at once; a recently busy one within its idle grace', async () => {
    const server = coreApiServer(() => http2.createServer());
    const drain = trackServer(server);
    const port = await listen(server);
    const idle = await h2connect(port);
    assert.equal((await h2request(idle.session, '/ms/0')).status, 200);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const recent = await h2connect(port);
    assert.equal((await h2request(recent.session, '/ms/0')).status, 200);
    const report = await drain.close({ idleGrace: 100 });
    await Promise.all([idle.closed, recent.closed]);
    // Node.js repeats the final GOAWAY when it destroys the session; never the first-phase one here.
    assert.deepEqual(idle.goaways, Array(idle.goaways.length).fill({ code: 0, lastStreamID: 1 }));
    assert.deepEqual(recent.goaways[0], { code: 0, lastStreamID: 2 ** 31 - 1 });
    assert.ok(report.durationMs < 150, `took ${report.durationMs} ms`);
  });

  test('secure, with the HTTP/1.1 fallback: h2 gets GOAWAY, HTTP/1.1 gets Connection: close', async () => {
    const server = http2.createSecureServer({ ...tls, allowHTTP1: true }, (req, res) => respondAfter(req.url, (body) => res.end(body)));
    const drain = trackServer(server);
    const port = await listen(server);
    const { session, goaways, closed } = await h2connect(port, { secure: true });
    const agent = new https.Agent({ keepAlive: true, ca: tls.cert });
    const arrived = waitForEvents(server, 'request', 2);
    const overH2 = h2request(session, '/ms/200');
    const overHttp1 = request(port, '/ms/250', { agent, secure: true });
    await arrived;
    const report = await drain.close();
    const [h2reply, http1reply] = await Promise.all([overH2, overHttp1]);
    assert.deepEqual([h2reply.status, h2reply.body], [200, 'ms 200']);
    assert.deepEqual([http1reply.status, http1reply.connection, http1reply.body], [200, 'close', 'ms 250']);
    await closed;
    assert.deepEqual(goaways.map((goaway) => goaway.code), [0, 0]);
    assert.equal(report.connectionsAtStart, 2);
    assert.equal(report.requestsCompleted, 2);
    assert.equal(report.server, `https://127.0.0.1:${port} (HTTP/2)`);
  });

  test('the timeout destroys a hanging stream and names it', async () => {
    const server = coreApiServer(() => http2.createServer());
    const drain = trackServer(server);
    const port = await listen(server);
    const { session } = await h2connect(port);
    const arrived = waitForEvents(server, 'stream', 1);
    const hanging = h2request(session, '/hang?id=1');
    await arrived;
    const error = await drain.close({ timeout: 150 }).then(() => assert.fail('resolved'), (error) => error);
    assert.deepEqual(error.report.requestsCut, [{ method: 'GET', route: '/hang', protocol: 'h2' }]);
    assert.equal(error.report.connectionsDestroyed, 1);
    // The client's stream ends with no response at all.
    const reply = await hanging;
    assert.deepEqual([reply.status, reply.body], [undefined, '']);
  });

  test('tracking does not switch on the compatibility API of a core-API server', async () => {
    const server = coreApiServer(() => http2.createServer());
    trackServer(server);
    assert.equal(server.listenerCount('request'), 0);
    const port = await listen(server);
    const { session } = await h2connect(port);
    const reply = await h2request(session, '/ms/0');
    assert.deepEqual([reply.status, reply.body], [200, 'ms 0']);
    session.close();
    server.close();
  });
});

describe('tracking leaves HTTP/1 upgrades alone', () => {
  test("no 'upgrade' listener is added: an Upgrade request still reaches 'request'", async () => {
    const server = http.createServer((req, res) => res.end(`request ${req.headers.upgrade}`));
    const drain = trackServer(server);
    assert.equal(server.listenerCount('upgrade'), 0);
    const port = await listen(server);
    const reply = await request(port, '/', { headers: { connection: 'upgrade', upgrade: 'websocket' } });
    assert.deepEqual([reply.status, reply.body], [200, 'request websocket']);
    await drain.close();
  });
});
