// node:cluster: the primary disconnects its workers on exit; each drains its HTTP server in its own exit hooks.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { processesFromEvents, waitUntilGone } from '../helpers/proc.mjs';

function get(port, agent) {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path: '/', agent }, (response) => {
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
    test('on SIGTERM, 2 workers serving HTTP drain with no failed request, then the primary dies by SIGTERM', async () => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
      let port;
      let responses;
      let requestsSeen = 0;
      const result = await runScenario('process-cluster:httpCluster', {
        format,
        args: ['drain', '5000'],
        onEvent: (event, primary) => {
          const match = /^port (\d+)$/.exec(event);
          if (match) port = Number(match[1]);
          if (event === 'ready') responses = Promise.all(Array.from({ length: 10 }, () => get(port, agent)));
          // All 10 requests are being served (300 ms each): now stop the cluster.
          if (/^worker \d+ request$/.test(event) && ++requestsSeen === 10) primary.kill('SIGTERM');
        },
      });
      agent.destroy();
      assert.equal(result.signal, 'SIGTERM', result.stderr);
      assert.equal(result.stderr, '');
      const answers = await responses;
      assert.equal(answers.length, 10);
      for (const answer of answers) {
        assert.equal(answer.status, 200, JSON.stringify(answer));
        assert.equal(answer.connection, 'close');
      }
      const byWorker = answers.map((answer) => answer.body).sort();
      assert.deepEqual(new Set(byWorker), new Set(['worker 1', 'worker 2']), 'both workers served requests');
      for (const id of [1, 2]) {
        assert.ok(result.events.includes(`worker ${id} draining (the cluster primary disconnected this worker)`), result.events.join('\n'));
        assert.ok(result.events.includes(`worker ${id} drained`));
        assert.ok(result.events.includes(`worker ${id} exit 0 null, exitedAfterDisconnect true`));
      }
      assert.deepEqual(await waitUntilGone(processesFromEvents(result.events).records), []);
    });

    test('workers that do not stop in time are killed and reported; the primary still exits', async () => {
      const result = await runScenario('process-cluster:httpCluster', {
        format,
        args: ['stuck', '500'],
        onEvent: (event, primary) => {
          if (event === 'ready') primary.kill('SIGTERM');
        },
      });
      assert.equal(result.signal, 'SIGTERM');
      const lines = result.stderr.trim().split('\n').sort();
      assert.equal(lines.length, 2, result.stderr);
      for (const line of lines) assert.match(line, /^farewell: cluster worker [12] \(pid \d+\) did not stop within 500 ms: killed it with SIGKILL \(pids \d+\)$/);
      for (const id of [1, 2]) assert.ok(result.events.includes(`worker ${id} exit null SIGKILL, exitedAfterDisconnect true`), result.events.join('\n'));
      assert.deepEqual(await waitUntilGone(processesFromEvents(result.events).records), []);
    });
  });
}
