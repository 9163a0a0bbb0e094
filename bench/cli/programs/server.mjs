// The farewell program of the reload benchmark: listen() on the socket the CLI
// passes (or on PORT when started without --listen), drainOnExit(), ready().
// GET /ms/N answers after N ms with the pid. With CRASH_FLAG naming a file that
// exists, it exits with 1 at start (a broken deploy). READY_AT_ONCE: see below.
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
  // CPU milliseconds (user + system) this process used since `since`.
  const cpuSince = (since) => {
    const { user, system } = process.cpuUsage(since);
    return Math.round((user + system) / 100) / 10;
  };
  let requestCount = 0;
  server.on('request', () => requestCount++);
  server.on('connection', (socket) => (socket.acceptedAt = performance.timeOrigin + performance.now()));
  server.once('connection', () => trace('first connection', { cpuMs: cpuSince(undefined) }));
  server.once('request', () => trace('first request'));
  const close = server.close;
  server.close = function (...args) {
    trace('listener closed');
    return close.apply(this, args);
  };
  // once: farewell re-raises the signal to die by it, which a listener of ours would catch.
  let atSigterm;
  process.once('SIGTERM', () => {
    atSigterm = process.cpuUsage();
    trace('SIGTERM received');
  });
  process.on('exit', () => trace('exit', atSigterm === undefined ? {} : { cpuMs: cpuSince(atSigterm) }));
  // The CPU the first 100 ms of serving cost (a cold process takes over the old one's clients).
  server.once('connection', () => {
    const atFirst = process.cpuUsage();
    requestCount = 0;
    setTimeout(() => trace('served 100 ms', { cpuMs: cpuSince(atFirst), requests: requestCount }), 100);
    // The same 100 ms 600 ms later, warm (and before the next reload of the bench), for comparison.
    setTimeout(() => {
      const at = process.cpuUsage();
      const requestsBefore = requestCount;
      setTimeout(() => trace('served 100 ms warm', { cpuMs: cpuSince(at), requests: requestCount - requestsBefore }), 100).unref();
    }, 600).unref();
  });
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
// READY_AT_ONCE (a variant of the bench): PM2's raw process.send('ready'), which leaves at once,
// before the start-up work that follows it; ready() waits for the end of this event-loop turn.
if (process.env.READY_AT_ONCE) process.send('ready');
else ready();
trace?.('ready sent');
// When the start-up work that follows ready() is over and the event loop polls (accepts) again.
if (trace) setImmediate(() => trace('loop free'));
