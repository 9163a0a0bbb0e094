// A server for the HTTP benchmarks, drained on SIGTERM by one of the
// libraries compared. Usage: node server.mjs <variant> [options JSON]
// options: { delay (ms, kept serving after SIGTERM), inflight (print "inflight"
// once that many requests are in flight; they all answer 300 ms later), track (false: no library) }
// Routes: `/` hello world, `/ms/<n>` after n ms, `/held` (see inflight), `/heap` (heapUsed after gc),
// `/cpu` (CPU time used so far, µs).
// Prints "ready <port>".
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [variant, optionsJson = '{}'] = process.argv.slice(2);
const { delay = 0, inflight = 0 } = JSON.parse(optionsJson);
const PEER_TIMEOUT_MS = 10_000; // every library gets the same generous drain timeout
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const held = [];
const server = http.createServer((req, res) => {
  if (req.url === '/') return res.end('hello world');
  if (req.url === '/cpu') {
    const { user, system } = process.cpuUsage();
    return res.end(String(user + system));
  }
  if (req.url === '/heap') {
    globalThis.gc?.();
    return res.end(String(process.memoryUsage().heapUsed));
  }
  if (req.url === '/held') {
    held.push(res);
    if (held.length === inflight) {
      process.stdout.write('inflight\n');
      setTimeout(() => held.forEach((r) => r.end('done')), 300);
    }
    return;
  }
  setTimeout(() => res.end(`ms ${req.url.slice(4)}`), Number(req.url.slice(4)));
});
server.keepAliveTimeout = 5_000; // Node's default, stated: plain close() waits for it

switch (variant) {
  case 'farewell': {
    const { drainOnExit } = await import('farewell/http');
    drainOnExit(server, { delay });
    break;
  }
  case 'untracked':
    process.on('SIGTERM', () => process.exit(0));
    break;
  case 'server.close()':
    process.on('SIGTERM', async () => {
      await sleep(delay);
      server.close(() => process.exit(0));
    });
    break;
  case 'http-terminator': {
    const { createHttpTerminator } = require('http-terminator');
    const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: PEER_TIMEOUT_MS });
    process.on('SIGTERM', async () => {
      await sleep(delay);
      await terminator.terminate();
      process.exit(0);
    });
    break;
  }
  case 'stoppable': {
    const stoppable = require('stoppable');
    stoppable(server, PEER_TIMEOUT_MS);
    process.on('SIGTERM', async () => {
      await sleep(delay);
      server.stop(() => process.exit(0));
    });
    break;
  }
  case '@godaddy/terminus': {
    const { createTerminus } = require('@godaddy/terminus');
    createTerminus(server, { signal: 'SIGTERM', timeout: PEER_TIMEOUT_MS, beforeShutdown: () => sleep(delay) });
    break;
  }
  case 'http-graceful-shutdown': {
    const gracefulShutdown = require('http-graceful-shutdown');
    gracefulShutdown(server, { signals: 'SIGTERM', timeout: PEER_TIMEOUT_MS, preShutdown: () => sleep(delay) });
    break;
  }
  default:
    throw new Error(`unknown variant ${variant}`);
}

server.listen(0, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
