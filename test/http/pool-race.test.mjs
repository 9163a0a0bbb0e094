// Behind a proxy's upstream keep-alive pool (nginx `keepalive`, HAProxy
// `http-reuse`), a connection idle for seconds may be picked for the next
// request at any moment: closing it from the server races with that request
// (issue 9, defect 14: nginx logged a reset and a POST got a 502). These tests
// make the race deterministic: a pool client holds many idle connections,
// sends on long-idle ones the moment the drain starts, and, whenever the
// server starts closing one of them, sends on it in that very instant.
import assert from 'node:assert/strict';
import http from 'node:http';
import { describe, test } from 'node:test';
import { trackServer } from 'farewell/http';
import { createPool, recordServerSockets, sendWhenServerCloses } from '../../bench/lib/pool-client.mjs';
import { listen, sleep } from '../helpers/http-clients.mjs';

const CONNECTIONS = 32;
const ROUNDS = 3;

/** A server that records every request it executes; POST bodies are read before the answer. */
function createServer() {
  const executed = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      executed.push(`${req.method} ${req.url}`);
      res.end(`${req.method} ${req.url} ${body}`);
    });
  });
  return { server, executed };
}

/**
 * One round: warm the pool, let it go idle for longer than idleGrace, start
 * the drain and keep using the pool as a proxy would, unaware of the drain.
 * Returns the replies to every request sent after the drain started.
 */
async function poolRound(drainOptions) {
  const { server, executed } = createServer();
  const drain = trackServer(server);
  recordServerSockets(server);
  const port = await listen(server);
  const pool = await createPool(port, { connections: CONNECTIONS });
  const warmed = executed.length;
  await sleep(300); // every connection idle for longer than idleGrace (100 ms)
  const atClose = sendWhenServerCloses(server, pool, { method: 'POST', path: '/at-close', body: 'x' });
  const replies = [];
  const closing = drain.close({ timeout: 5000, ...drainOptions });
  // The moment the drain starts: requests on long-idle connections.
  for (let index = 0; index < 8; index++) replies.push(pool.send(index, { method: 'POST', path: `/at-start-${index}`, body: 'x' }));
  // Then a proxy under light load picks idle connections now and then.
  for (const [index, wait] of [[8, 1], [9, 1], [10, 5], [11, 20], [12, 60], [13, 120], [14, 250], [15, 400]]) {
    await sleep(wait);
    if (pool.connections[index].usable) replies.push(pool.send(index, { method: 'POST', path: `/later-${index}`, body: 'x' }));
  }
  const settled = await Promise.all(replies);
  const atCloseReplies = await Promise.all(atClose.replies);
  // Finally the proxy evicts what it no longer needs, as its keepalive_timeout would.
  pool.closeIdle();
  const report = await closing.catch((error) => error.report);
  pool.close();
  return { settled: [...settled, ...atCloseReplies], fired: atClose.count, executed: executed.slice(warmed), report };
}

describe('a proxy pool against the drain', { concurrency: 1 }, () => {
  test(`default: requests sent on long-idle pooled connections during the drain are all answered, 0 resets, ${ROUNDS} rounds`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { settled, executed, report } = await poolRound({});
      const failures = settled.filter((reply) => reply.error !== undefined);
      assert.deepEqual(failures, [], `round ${round}: every request sent on a pooled connection got its response`);
      assert.ok(settled.length >= 8, `round ${round}: ${settled.length} requests`);
      // Every answer during the drain tells the pool to stop reusing the connection.
      assert.deepEqual(new Set(settled.map((reply) => `${reply.status} ${reply.connection}`)), new Set(['200 close']));
      // The application executed exactly the requests that were answered.
      assert.equal(executed.length, settled.length);
      assert.equal(report.outcome, 'drained');
      assert.equal(report.connectionsDestroyed, 0);
    }
  });

  test("idleKeepAlive: 'close' trades that away for a fast exit: the server closes idle pooled connections, and a request racing the FIN is lost", async () => {
    const { settled, fired, report } = await poolRound({ idleKeepAlive: 'close' });
    assert.ok(fired > 0, 'the server closed idle pooled connections');
    const failures = settled.filter((reply) => reply.error !== undefined);
    assert.ok(failures.length > 0, `expected lost requests, got ${JSON.stringify(settled)}`);
    assert.ok(failures.every((reply) => reply.error === 'ECONNRESET' || reply.error === 'closed without a response'), JSON.stringify(failures));
    assert.equal(report.outcome, 'drained');
  });
});
