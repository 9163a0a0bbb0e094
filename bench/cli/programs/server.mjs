// The farewell program of the reload benchmark: listen() on the socket the CLI
// passes (or on PORT when started without --listen), drainOnExit(), ready().
// GET /ms/N answers after N ms with the pid. With CRASH_FLAG naming a file that
// exists, it exits with 1 at start (a broken deploy).
// With BENCH_TRACE set (the bench's diagnostic), each response carries when its
// connection was accepted and its request received, and the process prints its
// reload events and event-loop stalls to stderr as `trace {json}` lines; times
// are wall-clock milliseconds (performance.timeOrigin + now), comparable across processes.
import { existsSync } from 'node:fs';
import http from 'node:http';
import { drainOnExit, listen, ready } from 'farewell/http';

const trace = process.env.BENCH_TRACE ? (event, extra = {}) => process.stderr.write(`trace ${JSON.stringify({ pid: process.pid, event, at: performance.timeOrigin + performance.now(), ...extra })}\n`) : undefined;
trace?.('started', { at: performance.timeOrigin });
trace?.('imported');

if (process.env.CRASH_FLAG && existsSync(process.env.CRASH_FLAG)) {
  console.error(`server ${process.pid}: broken deploy, exiting`);
  process.exit(1);
}
const server = http.createServer((req, res) => {
  const ms = Number(/^\/ms\/(\d+)/.exec(req.url)?.[1] ?? 0);
  if (trace) {
    res.setHeader('x-accepted', String(req.socket.acceptedAt));
    res.setHeader('x-received', String(performance.timeOrigin + performance.now()));
    res.setHeader('x-request-on-connection', String((req.socket.requestCount = (req.socket.requestCount ?? 0) + 1)));
  }
  setTimeout(() => res.end(String(process.pid)), ms);
});
if (trace) {
  server.on('connection', (socket) => (socket.acceptedAt = performance.timeOrigin + performance.now()));
  server.once('connection', () => trace('first connection'));
  server.once('request', () => trace('first request'));
  const close = server.close;
  server.close = function (...args) {
    trace('listener closed');
    return close.apply(this, args);
  };
  // once: farewell re-raises the signal to die by it, which a listener of ours would catch.
  process.once('SIGTERM', () => trace('SIGTERM received'));
  process.on('exit', () => trace('exit'));
  // Event-loop stalls: a 5 ms timer that fires more than 10 ms late.
  let expected = performance.now() + 5;
  setInterval(() => {
    const late = performance.now() - expected;
    if (late > 10) trace('stall', { ms: late });
    expected = performance.now() + 5;
  }, 5).unref();
}
drainOnExit(server);
await listen(server, { port: Number(process.env.PORT), host: '127.0.0.1' });
trace?.('listening');
ready();
trace?.('ready sent');
// When the start-up work that follows ready() is over and the event loop polls (accepts) again.
if (trace) setImmediate(() => trace('loop free'));
