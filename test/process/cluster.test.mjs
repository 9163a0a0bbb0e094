// node:cluster: the primary disconnects its workers on exit; each drains its HTTP server in its own exit hooks.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { processesFromEvents, waitUntilGone } from '../helpers/proc.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';
import { RUNTIME, assertDiedBy } from '../helpers/runtime.mjs';

/**
 * The port the workers listen on. Node's primary gives every worker listening
 * on port 0 the same port; Bun's workers would each get their own, and the
 * test would reach only one of them: under Bun they share a free port picked
 * here, which Bun balances with SO_REUSEPORT (docs/runtimes.md).
 */
async function clusterPort() {
  if (RUNTIME.name !== 'bun') return '0';
  const probe = net.createServer().listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return String(port);
}

function get(port, agent, path = '/') {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, connection: response.headers.connection, body }));
    });
    request.on('error', (error) => resolve({ error: `${error.code} ${error.message}` }));
  });
}

for (const format of FORMATS) {
  describe(`cluster [${format}]`, { concurrency: 2, skip: process.platform !== 'linux' && 'uses /proc' }, () => {
    test('on SIGTERM, 2 workers serving HTTP drain with no failed request, then the primary dies by SIGTERM', async (t) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
      let port;
      let responses;
      let requestsSeen = 0;
      // Sessions of their own: a worker's stop looks for re-parented processes in its session (stderr must stay exact).
      const result = await runScenario('process-cluster:httpCluster', {
        format,
        detached: true,
        args: ['drain', '5000', await clusterPort()],
        onEvent: (event, primary) => {
          const match = /^port (\d+)$/.exec(event);
          if (match) port = Number(match[1]);
          if (event === 'ready') responses = Promise.all(Array.from({ length: 10 }, () => get(port, agent)));
          // All 10 requests are being served (300 ms each): now stop the cluster.
          if (/^worker \d+ request$/.test(event) && ++requestsSeen === 10) primary.kill('SIGTERM');
        },
      });
      agent.destroy();
      assertDiedBy(t, result, 'SIGTERM', result.stderr);
      assert.equal(result.stderr, '');
      const answers = await responses;
      assert.equal(answers.length, 10);
      for (const answer of answers) {
        assert.equal(answer.status, 200, JSON.stringify(answer));
        assert.equal(answer.connection, 'close');
      }
      const byWorker = answers.map((answer) => answer.body).sort();
      assert.deepEqual(new Set(byWorker), new Set(['worker 1', 'worker 2']), 'both workers served requests');
      // Bun's cluster sends its workers no disconnect message: a worker learns of worker.disconnect()
      // when its IPC channel closes, a moment later (docs/runtimes.md).
      const source = RUNTIME.name === 'bun' ? 'the parent process closed the IPC channel' : 'the cluster primary disconnected this worker';
      if (RUNTIME.name === 'bun') t.diagnostic(`known difference on bun ${RUNTIME.version}: the workers' exit starts when the IPC channel closes, not on the cluster's disconnect message`);
      for (const id of [1, 2]) {
        assert.ok(result.events.includes(`worker ${id} draining (${source})`), result.events.join('\n'));
        assert.ok(result.events.includes(`worker ${id} drained`));
        assert.ok(result.events.includes(`worker ${id} exit 0 null, exitedAfterDisconnect true`));
      }
      assert.deepEqual(await waitUntilGone(processesFromEvents(result.events).records), []);
    });

    test('workers that do not stop in time are killed and reported; the primary still exits', async (t) => {
      const result = await runScenario('process-cluster:httpCluster', {
        format,
        detached: true,
        args: ['stuck', '500'],
        onEvent: (event, primary) => {
          if (event === 'ready') primary.kill('SIGTERM');
        },
      });
      assertDiedBy(t, result, 'SIGTERM');
      const lines = result.stderr.trim().split('\n').sort();
      assert.equal(lines.length, 2, result.stderr);
      for (const line of lines) assert.match(line, /^farewell: cluster worker [12] \(pid \d+\) did not stop within 500 ms: killed it with SIGKILL \(pids \d+\)$/);
      for (const id of [1, 2]) assert.ok(result.events.includes(`worker ${id} exit null SIGKILL, exitedAfterDisconnect true`), result.events.join('\n'));
      assert.deepEqual(await waitUntilGone(processesFromEvents(result.events).records), []);
    });
  });
}

// The recipe of docs/workers-and-cluster.md, as the program in examples/ (issue 10, §5: the recipe set
// `Connection: close` when a request arrived; with 300 ms handlers every response came back keep-alive,
// and both workers were SIGKILLed after 5 s).
describe('examples/process/cluster.mjs', { skip: process.platform === 'win32' && 'signals' }, () => {
  test('SIGTERM with 10 requests of 300 ms in flight on keep-alive connections: all answered, no worker killed', async (t) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
    let responses;
    let started = 0;
    let signalledAt;
    const result = await spawnProcess(process.execPath, [fileURLToPath(new URL('../../examples/process/cluster.mjs', import.meta.url))], {
      env: { ...process.env, PORT: '0', NODE_DEBUG: '' },
      detached: true,
      onLine: (line, primary) => {
        const listening = /^listening on http:\/\/127\.0\.0\.1:(\d+) /.exec(line);
        if (listening) responses = Promise.all(Array.from({ length: 10 }, () => get(Number(listening[1]), agent, '/?ms=300')));
        // Every request has reached a worker's handler: now stop the cluster.
        if (/^worker [12]: GET \/\?ms=300$/.test(line) && ++started === 10) {
          signalledAt = performance.now();
          primary.kill('SIGTERM');
        }
      },
    }).done;
    const stopTook = performance.now() - signalledAt;
    agent.destroy();
    assertDiedBy(t, result, 'SIGTERM', result.stderr);
    assert.equal(result.stderr, '');
    const answers = await responses;
    assert.deepEqual(
      answers.map(({ status, connection }) => [status, connection]),
      Array.from({ length: 10 }, () => [200, 'close']),
    );
    assert.deepEqual(new Set(answers.map(({ body }) => body)), new Set(['worker 1: hello after 300 ms\n', 'worker 2: hello after 300 ms\n']));
    assert.deepEqual(result.lines.filter((line) => line.startsWith('primary: ')).sort(), ['primary: worker 1 exited (0)', 'primary: worker 2 exited (0)']);
    // The handlers' 300 ms, not the 5 s after which a worker would have been killed.
    assert.ok(stopTook < 4000, `stopping took ${stopTook} ms`);
  });
});
