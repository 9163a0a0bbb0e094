// Express, Fastify and Koa applications end to end: readiness flips at
// SIGTERM, the in-flight request finishes with Connection: close, the
// process exits (Fastify: after its onClose hooks).
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { request } from '../helpers/http-clients.mjs';
import { assertDiedBy } from '../helpers/runtime.mjs';

async function drainApp(spec, format) {
  let child;
  let port;
  const waiting = new Map();
  const waitFor = (event) => new Promise((resolve) => waiting.set(event, resolve));
  const ready = waitFor('ready');
  const shutdown = waitFor('shutdown signal');
  const received = waitFor('served /slow/600');
  const running = runScenario(spec, {
    format,
    onSpawn: (spawned) => (child = spawned),
    onEvent(line) {
      if (line.startsWith('port ')) port = Number(line.slice(5));
      waiting.get(line)?.();
    },
  });
  await Promise.race([ready, running]);
  const agent = new http.Agent({ keepAlive: true });
  const before = await request(port, '/ready', { agent });
  const slow = request(port, '/slow/600', { agent });
  await new Promise((resolve) => setTimeout(resolve, 50));
  child.kill('SIGTERM');
  await shutdown;
  const after = await request(port, '/ready', { agent });
  const replies = { before, after, slow: await slow };
  await received;
  agent.destroy();
  return { replies, result: await running };
}

const summary = ({ status, body, connection }) => ({ status, body, connection });

for (const format of FORMATS) {
  describe(`frameworks [${format}]`, { concurrency: 3 }, () => {
    for (const [framework, body] of [
      ['express', 'express 600'],
      ['fastify', 'fastify 600'],
      ['koa', 'koa 600'],
    ]) {
      test(`${framework}: readiness 200 then 503, the in-flight request completes with Connection: close`, async (t) => {
        const { replies, result } = await drainApp(`http:${framework}`, format);
        assert.deepEqual(summary(replies.before), { status: 200, body: 'ready\n', connection: 'keep-alive' });
        assert.deepEqual(summary(replies.after), { status: 503, body: 'shutting down\n', connection: 'keep-alive' });
        assert.deepEqual(summary(replies.slow), { status: 200, body, connection: 'close' });
        assertDiedBy(t, result, 'SIGTERM');
        assert.equal(result.stderr, '');
        if (framework === 'fastify') assert.deepEqual(result.events.slice(-2), ['served /slow/600', 'fastify onClose']);
      });
    }
  });
}
