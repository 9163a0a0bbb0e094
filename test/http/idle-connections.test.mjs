// An idle keep-alive connection is closed by the drain once idle for
// idleGrace, not by the server's close() at the start of the drain: in a real
// process, so that it holds (or is marked) on every runtime the subset runs.
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { assertDiedBy, knownDifference } from '../helpers/runtime.mjs';

const IDLE_GRACE_MS = 1000;

const BUN_IDLE_CLOSE = {
  reason:
    "Bun's server.close() closes idle keep-alive connections at once, by itself (not through closeIdleConnections(), which the drain holds back): idleGrace has no effect, and a request racing that FIN sees ECONNRESET",
  failure: /^the idle connection closed \d+ ms after its response/,
};

for (const format of FORMATS) {
  describe(`idle keep-alive connections at exit [${format}]`, () => {
    test(
      `SIGTERM: a connection idle since its response closes ${IDLE_GRACE_MS} ms after that response, with a FIN`,
      knownDifference({ bun: BUN_IDLE_CLOSE }, async (t) => {
        let port;
        const listening = new Promise((resolve) => {
          port = resolve;
        });
        let child;
        const running = runScenario('http:server', {
          format,
          args: [JSON.stringify({ idleGrace: IDLE_GRACE_MS })],
          onSpawn: (spawned) => (child = spawned),
          onEvent: (line) => line.startsWith('port ') && port(Number(line.slice(5))),
        });
        const agent = new http.Agent({ keepAlive: true });
        const request = http.get({ host: '127.0.0.1', port: await listening, path: '/ms/0', agent });
        const [socket] = await once(request, 'socket');
        const errors = [];
        socket.on('error', (error) => errors.push(error.code));
        const [response] = await once(request, 'response');
        response.resume();
        await once(response, 'end');
        const respondedAt = performance.now();
        const closed = once(socket, 'close');
        child.kill('SIGTERM');
        const [hadError] = await closed;
        const closedAfter = performance.now() - respondedAt;
        agent.destroy();
        const result = await running;
        assert.ok(closedAfter >= IDLE_GRACE_MS - 20 && closedAfter < IDLE_GRACE_MS + 2000, `the idle connection closed ${Math.round(closedAfter)} ms after its response`);
        assert.deepEqual({ errors, hadError }, { errors: [], hadError: false });
        assertDiedBy(t, result, 'SIGTERM');
      }),
    );
  });
}
