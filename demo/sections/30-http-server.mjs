// A node:http server under keep-alive load receives SIGTERM: every request
// sent is answered, the busy connections are told to close, and the process
// is gone as soon as its longest request has been answered.
import http from 'node:http';
import { describeEnd, expect, runExample } from '../lib.mjs';

export const title = 'HTTP: draining a server under load';

const CLIENTS = 16;
const LOAD_BEFORE_SIGTERM_MS = 1_200;
const LONGEST_REQUEST_MS = 400;

export async function run() {
  console.log(`  node examples/http/node-server.mjs; ${CLIENTS} keep-alive clients send requests back to back (4 in 5 take < 20 ms, the others 100–${LONGEST_REQUEST_MS} ms)`);
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const tally = { served: 0, failed: 0, refused: 0, failures: new Set() };
  const inFlight = new Set();
  /** For each client socket, the Connection header of the last response it carried. */
  const lastConnectionHeader = new Map();
  let atSigterm;
  let loops;

  const send = (port) =>
    new Promise((resolve) => {
      // Mostly quick requests, one in five slow.
      const ms = Math.random() < 0.8 ? Math.floor(Math.random() * 20) : 100 + Math.floor(Math.random() * (LONGEST_REQUEST_MS - 99));
      const request = { dueAt: performance.now() + ms };
      inFlight.add(request);
      const req = http.get({ host: '127.0.0.1', port, path: `/?ms=${ms}`, agent }, (res) => {
        res.resume();
        res.on('end', () => {
          inFlight.delete(request);
          if (res.statusCode === 200) tally.served++;
          else tally.failed++;
          lastConnectionHeader.set(req.socket, res.headers.connection);
          resolve(true);
        });
      });
      req.on('error', (error) => {
        inFlight.delete(request);
        if (error.code === 'ECONNREFUSED') {
          tally.refused++;
          resolve(false); // the server is gone: this client stops
        } else {
          tally.failed++;
          tally.failures.add(error.code ?? error.message);
          resolve(true);
        }
      });
    });

  const result = await runExample('http/node-server.mjs', {
    env: { PORT: '0' },
    limitMs: 15_000,
    onLine(line, child) {
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line);
      if (!match) return;
      const port = Number(match[1]);
      loops = Array.from({ length: CLIENTS }, async () => {
        while (await send(port));
      });
      setTimeout(() => {
        const now = performance.now();
        const requests = [...inFlight];
        atSigterm = { at: now, requests, longestMs: Math.max(0, ...requests.map((r) => r.dueAt - now)) };
        child.kill('SIGTERM');
      }, LOAD_BEFORE_SIGTERM_MS);
    },
  });
  const goneAfter = performance.now() - atSigterm.at;
  await Promise.all(loops);
  agent.destroy();

  const connections = [...lastConnectionHeader.values()];
  const toldToClose = connections.filter((header) => header === 'close').length;
  console.log(`  SIGTERM after ${(LOAD_BEFORE_SIGTERM_MS / 1000).toFixed(1)} s, with ${atSigterm.requests.length} requests in flight; the longest had ${Math.round(atSigterm.longestMs)} ms to go`);
  console.log(`  the process ${describeEnd(result)} ${Math.round(goneAfter)} ms after the signal: the drain took as long as its longest request`);
  console.log(`  requests: ${tally.served} served, ${tally.failed} failed${tally.failures.size ? ` (${[...tally.failures].join(', ')})` : ''}`);
  console.log(`  connections: ${toldToClose} of ${connections.length} ended with a response saying Connection: close (none was closed under a request)`);
  console.log(`  afterwards: ${tally.refused} new connections refused (never sent: a load balancer retries them on another instance)`);
  expect(tally.failed === 0, 'no request failed');
  expect(toldToClose === connections.length, 'every busy connection was told to close by its last response');
  expect(goneAfter < atSigterm.longestMs + 150, `the process was gone within 150 ms of its longest request (${Math.round(goneAfter)} ms vs ${Math.round(atSigterm.longestMs)} ms)`);
  expect(result.signal === 'SIGTERM' && result.stderr === '', 'the process died by SIGTERM, with nothing on stderr');
}
