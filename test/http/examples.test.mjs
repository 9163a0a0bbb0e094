// The programs in examples/http run: each serves, then drains and dies by SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { h2connect, h2request, request } from '../helpers/http-clients.mjs';
import { RUNTIME, assertDiedBy } from '../helpers/runtime.mjs';

/** Runs an example with PORT=0; `use(port)` runs once it listens; then SIGTERM. */
function runExample(file, use) {
  const [command, ...flags] = RUNTIME.command;
  const child = spawn(command, [...flags, fileURLToPath(new URL(`../../examples/http/${file}`, import.meta.url))], {
    env: { ...process.env, PORT: '0', NODE_DEBUG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => child.kill('SIGKILL'), 15_000);
    let used;
    child.stdout.on('data', async (chunk) => {
      stdout += chunk;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout);
      if (match && used === undefined) {
        used = use(Number(match[1])).catch(reject);
        await used;
        child.kill('SIGTERM');
      }
    });
    child.on('close', async (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stderr, used: await used });
    });
  });
}

// One connection per request: a keep-alive socket left idle in a pool would hold each example's drain
// until the pool closed it (the drain leaves idle keep-alive connections to their clients).
const get = async (port, path = '/') => {
  const reply = await request(port, path, { agent: false });
  return [reply.status, reply.body];
};

describe('examples/http', { concurrency: 4 }, () => {
  for (const [file, expected] of [
    ['node-server.mjs', [200, 'hello after 0 ms\n']],
    ['express.mjs', [200, 'hello from express\n']],
    ['fastify.mjs', [200, 'hello from fastify\n']],
    ['koa.mjs', [200, 'hello from koa\n']],
  ]) {
    test(`${file}: serves, readiness and liveness answer, SIGTERM ends it`, async (t) => {
      const { code, signal, stderr, used } = await runExample(file, async (port) => [await get(port), await get(port, '/ready'), await get(port, '/live')]);
      assert.deepEqual(used, [expected, [200, 'ready\n'], [200, 'alive\n']]);
      assertDiedBy(t, { code, signal }, 'SIGTERM');
      assert.equal(stderr, '');
    });
  }

  test('http2.mjs: serves over h2c, SIGTERM ends it', async (t) => {
    const { code, signal, stderr, used } = await runExample('http2.mjs', async (port) => {
      const { session } = await h2connect(port);
      const reply = await h2request(session, '/');
      session.close();
      return [reply.status, reply.body];
    });
    assert.deepEqual(used, [200, 'hello over h2c\n']);
    assertDiedBy(t, { code, signal }, 'SIGTERM');
    assert.equal(stderr, '');
  });

  test('sse.mjs: the client gets the response head at once, and the stream ends with "event: bye" at SIGTERM', async (t) => {
    let stream;
    const { code, signal, stderr } = await runExample('sse.mjs', (port) =>
      new Promise((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => (body += chunk));
          stream = new Promise((done) => res.on('end', () => done({ status: res.statusCode, type: res.headers['content-type'], body })));
          // The head arrived without waiting for a first event (flushHeaders): SIGTERM now.
          resolve();
        });
        req.on('error', reject);
      }),
    );
    assert.deepEqual(await stream, { status: 200, type: 'text/event-stream', body: 'event: bye\ndata: the server is shutting down\n\n' });
    assertDiedBy(t, { code, signal }, 'SIGTERM');
    assert.equal(stderr, '');
  });

  test('websocket.mjs: a client receives 1001 at SIGTERM', async (t) => {
    let closed;
    const { code, signal, stderr } = await runExample('websocket.mjs', async (port) => {
      const client = new WebSocket(`ws://127.0.0.1:${port}/`);
      closed = new Promise((resolve) => client.once('close', (code, reason) => resolve([code, String(reason)])));
      await new Promise((resolve) => client.once('message', resolve));
    });
    assert.deepEqual(await closed, [1001, 'going away']);
    assertDiedBy(t, { code, signal }, 'SIGTERM');
    assert.equal(stderr, '');
  });
});
