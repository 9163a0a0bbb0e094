// Upgraded connections: ws's WebSocketServer gets close frames 1001, raw
// upgraded sockets go through closeUpgraded, or are ended.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { describe, test } from 'node:test';
import WebSocket, { WebSocketServer } from 'ws';
import { trackServer } from 'farewell/http';
import { connectRaw, listen } from '../helpers/http-clients.mjs';

/** Resolves { code, reason, messages } when the client's WebSocket closes. */
function watchWebSocket(client) {
  const messages = [];
  client.on('message', (data) => messages.push(String(data)));
  client.on('error', () => {});
  return new Promise((resolve) => client.once('close', (code, reason) => resolve({ code, reason: String(reason), messages })));
}

/** A server whose 'upgrade' listener answers 101 and keeps the raw socket. */
function rawUpgradeServer() {
  const server = http.createServer((req, res) => res.end('plain'));
  server.on('upgrade', (req, socket) => {
    socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
    socket.on('data', (data) => socket.write(data));
  });
  return server;
}

async function upgradeRaw(port) {
  const socket = await connectRaw(port);
  socket.setEncoding('utf8');
  socket.write('GET /echo?key=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: echo\r\n\r\n');
  const [head] = await once(socket, 'data');
  assert.match(head, /^HTTP\/1\.1 101 /);
  return socket;
}

describe('upgraded connections', { concurrency: 4 }, () => {
  test('ws: every client receives a close frame 1001 "going away", then the drain resolves', async () => {
    const server = http.createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (socket) => socket.send('hello'));
    const drain = trackServer(server);
    const port = await listen(server);
    const clients = [new WebSocket(`ws://127.0.0.1:${port}/a`), new WebSocket(`ws://127.0.0.1:${port}/b`)];
    const closes = clients.map(watchWebSocket);
    await Promise.all(clients.map((client) => once(client, 'message')));
    const report = await drain.close({ webSockets: wss });
    assert.deepEqual(await Promise.all(closes), [
      { code: 1001, reason: 'going away', messages: ['hello'] },
      { code: 1001, reason: 'going away', messages: ['hello'] },
    ]);
    assert.equal(report.outcome, 'drained');
    assert.equal(report.connectionsAtStart, 2);
    assert.ok(report.durationMs < 1000, `took ${report.durationMs} ms`);
  });

  test('raw upgraded sockets: closeUpgraded starts their close; the drain waits for it', async () => {
    const server = rawUpgradeServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const socket = await upgradeRaw(port);
    let received = '';
    socket.on('data', (data) => (received += data));
    const calls = [];
    const report = await drain.close({
      closeUpgraded(upgraded, request) {
        calls.push(request.url);
        upgraded.end('bye\n');
      },
    });
    assert.deepEqual(calls, ['/echo?key=1']);
    assert.equal(received, 'bye\n');
    assert.equal(report.outcome, 'drained');
    socket.destroy();
  });

  test('raw upgraded sockets without a hook are ended (FIN)', async () => {
    const server = rawUpgradeServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const socket = await upgradeRaw(port);
    const ended = once(socket, 'end');
    const report = await drain.close();
    await ended;
    assert.equal(report.outcome, 'drained');
  });

  test('an upgraded socket left open is destroyed at the timeout and named', async () => {
    const server = rawUpgradeServer();
    const drain = trackServer(server);
    const port = await listen(server);
    const socket = await upgradeRaw(port);
    socket.on('error', () => {});
    const error = await drain.close({ timeout: 100, closeUpgraded: () => {} }).then(() => assert.fail('resolved'), (error) => error);
    assert.match(error.message, /: cut 1 request \(upgraded GET \/echo\); destroyed 1 connection$/);
    assert.deepEqual(error.report.requestsCut, [{ method: 'GET', route: '/echo', protocol: 'upgraded' }]);
  });
});
