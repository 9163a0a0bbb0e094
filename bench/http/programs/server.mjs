// A server for the HTTP benchmarks, drained on SIGTERM by one of the
// libraries compared. Usage: node server.mjs <variant> [options JSON]
// options: { delay (ms, kept serving after SIGTERM), inflight (print "inflight"
// once that many requests are in flight; they all answer 300 ms later),
// port (default 0: any free port), idleKeepAlive (farewell's option) }
// Routes: `/` hello world, `/ms/<n>` after n ms, `/held` (see inflight), `/heap` (heapUsed after gc),
// `/cpu` (CPU time used so far, µs), `/who` (any method; reads the body, answers `instance <port>`),
// `/ready` (readiness: 200, then 503 from SIGTERM on).
// Prints "ready <port>".
import http from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const [variant, optionsJson = '{}'] = process.argv.slice(2);
const { delay = 0, inflight = 0, port = 0, idleKeepAlive } = JSON.parse(optionsJson);
// Readiness for the libraries without their own: 503 from the moment SIGTERM arrives.
let shuttingDown = false;
let readiness = (req, res) => {
  res.statusCode = shuttingDown ? 503 : 200;
  res.end(shuttingDown ? 'shutting down' : 'ready');
};
const PEER_TIMEOUT_MS = 10_000; // every library gets the same generous drain timeout
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const held = [];
const server = http.createServer((req, res) => {
  if (req.url === '/') return res.end('hello world');
  if (req.url === '/ready') return readiness(req, res);
  if (req.url === '/who') {
    req.resume();
    return req.on('end', () => res.end(`instance ${server.address()?.port ?? port}`));
  }
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
    const { drainOnExit, readinessHandler } = await import('farewell/http');
    drainOnExit(server, { delay, ...(idleKeepAlive === undefined ? {} : { idleKeepAlive }) });
    readiness = readinessHandler();
    break;
  }
  case 'untracked':
    process.on('SIGTERM', () => process.exit(0));
    break;
  case 'server.close()':
    process.on('SIGTERM', async () => {
      shuttingDown = true;
      await sleep(delay);
      server.close(() => process.exit(0));
    });
    break;
  case 'http-terminator': {
    const { createHttpTerminator } = require('http-terminator');
    const terminator = createHttpTerminator({ server, gracefulTerminationTimeout: PEER_TIMEOUT_MS });
    process.on('SIGTERM', async () => {
      shuttingDown = true;
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
      shuttingDown = true;
      await sleep(delay);
      server.stop(() => process.exit(0));
    });
    break;
  }
  case '@godaddy/terminus': {
    const { createTerminus } = require('@godaddy/terminus');
    // Its own health check answers 503 during the shutdown (a SIGTERM listener of ours would absorb its re-raise).
    createTerminus(server, { signal: 'SIGTERM', timeout: PEER_TIMEOUT_MS, beforeShutdown: () => sleep(delay), healthChecks: { '/ready': async () => {} } });
    break;
  }
  case 'http-graceful-shutdown': {
    const gracefulShutdown = require('http-graceful-shutdown');
    gracefulShutdown(server, { signals: 'SIGTERM', timeout: PEER_TIMEOUT_MS, preShutdown: () => ((shuttingDown = true), sleep(delay)) });
    break;
  }
  default:
    throw new Error(`unknown variant ${variant}`);
}

// FAREWELL_BENCH_DEBUG=1: on stderr, the connections accepted shortly before the listener closed, and after.
if (process.env.FAREWELL_BENCH_DEBUG === '1') {
  const accepted = [];
  let closedAt;
  server.on('connection', () => {
    accepted.push(performance.now());
    if (closedAt !== undefined) process.stderr.write(`accepted ${(performance.now() - closedAt).toFixed(2)} ms after close\n`);
  });
  const close = server.close;
  server.close = function (...args) {
    closedAt ??= performance.now();
    process.stderr.write(`close; accepted in the 100 ms before: ${accepted.filter((at) => at > closedAt - 100).map((at) => (at - closedAt).toFixed(2)).join(' ')}\n`);
    return close.apply(this, args);
  };
}

server.listen(port, '127.0.0.1', () => process.stdout.write(`ready ${server.address().port}\n`));
