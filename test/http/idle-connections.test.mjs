// Idle keep-alive connections at exit, in a real process, so that the
// behaviour holds (or is marked) on every runtime the subset runs: by default
// the drain leaves them to their client; with idleKeepAlive: 'close' it closes
// them once idle for idleGrace; never does the server's close() close them.
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { assertDiedBy, knownDifference } from '../helpers/runtime.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const BUN_IDLE_CLOSE = {
  reason:
    "Bun's server.close() closes idle keep-alive connections at once, by itself (not through closeIdleConnections(), which the drain holds back): idleKeepAlive and idleGrace have no effect on them, and a request racing that FIN sees ECONNRESET",
  failure: /^the idle connection closed \d+ ms after/,
};

/**
 * Starts the http:server scenario with `options`, makes one keep-alive
 * request, and sends SIGTERM once the connection is idle. Resolves the
 * socket's fate: { closedAfterResponse (ms), closedAfterSignal (ms), errors,
 * hadError, result }; `whileOpen(socket)` runs after SIGTERM, while it is open.
 */
async function idleConnectionAtExit(format, options, whileOpen = async () => {}) {
  let portFound;
  const listening = new Promise((resolve) => (portFound = resolve));
  let child;
  const running = runScenario('http:server', {
    format,
    args: [JSON.stringify(options)],
    onSpawn: (spawned) => (child = spawned),
    onEvent: (line) => line.startsWith('port ') && portFound(Number(line.slice(5))),
  });
  const agent = new http.Agent({ keepAlive: true });
  const request = http.get({ host: '127.0.0.1', port: await listening, path: '/ms/0', agent });
  const [socket] = await once(request, 'socket');
  const errors = [];
  socket.on('error', (error) => errors.push(error.code));
  let closedAt;
  const closed = once(socket, 'close').then(([hadError]) => {
    closedAt = performance.now();
    return hadError;
  });
  const [response] = await once(request, 'response');
  response.resume();
  await once(response, 'end');
  const respondedAt = performance.now();
  child.kill('SIGTERM');
  const signalledAt = performance.now();
  await whileOpen(socket, () => closedAt);
  const hadError = await closed;
  agent.destroy();
  const result = await running;
  return { closedAfterResponse: closedAt - respondedAt, closedAfterSignal: closedAt - signalledAt, errors, hadError, result };
}

for (const format of FORMATS) {
  describe(`idle keep-alive connections at exit [${format}]`, { concurrency: 2 }, () => {
    test(
      "by default an idle keep-alive connection is left to its client: still open 500 ms after SIGTERM, the process ends once the client closes it",
      knownDifference({ bun: BUN_IDLE_CLOSE }, async (t) => {
        const fate = await idleConnectionAtExit(format, {}, async (socket, closedAt) => {
          await sleep(500);
          if (closedAt() === undefined) socket.end();
        });
        assert.ok(fate.closedAfterSignal >= 500, `the idle connection closed ${Math.round(fate.closedAfterSignal)} ms after SIGTERM, before its client closed it`);
        assert.deepEqual({ errors: fate.errors, hadError: fate.hadError }, { errors: [], hadError: false });
        assertDiedBy(t, fate.result, 'SIGTERM');
      }),
    );

    test(
      "idleKeepAlive: 'close': the connection closes idleGrace (1000 ms) after its response, with a FIN",
      knownDifference({ bun: BUN_IDLE_CLOSE }, async (t) => {
        const fate = await idleConnectionAtExit(format, { idleKeepAlive: 'close', idleGrace: 1000 });
        const ms = Math.round(fate.closedAfterResponse);
        assert.ok(fate.closedAfterResponse >= 980 && fate.closedAfterResponse < 3000, `the idle connection closed ${ms} ms after its response`);
        assert.deepEqual({ errors: fate.errors, hadError: fate.hadError }, { errors: [], hadError: false });
        assertDiedBy(t, fate.result, 'SIGTERM');
      }),
    );
  });
}
