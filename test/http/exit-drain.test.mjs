// drainOnExit() in real processes (ESM and CommonJS builds): SIGTERM, the
// delay and readiness, the timeout within the global deadline, several servers.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { describe, test } from 'node:test';
import WebSocket from 'ws';
import { FORMATS, runScenario } from '../helpers/run-scenario.mjs';
import { connectRaw, h2connect, h2request, request, sleep, watchSocket } from '../helpers/http-clients.mjs';
import { assertDiedBy, knownDifference } from '../helpers/runtime.mjs';

/** Bun: server.close() closes idle keep-alive connections itself, at once (docs/runtimes.md). */
const BUN_IDLE_CLOSE = {
  reason: "Bun's server.close() closes idle keep-alive connections at once, by itself, instead of leaving them to their client",
  failure: /^Expected values to be strictly equal:\n\n0 !== 1/,
};

/** The pending listen of defect 12 relies on Node's DNS lookup in libuv's threadpool (held by UV_THREADPOOL_SIZE=1). */
const PENDING_LISTEN = {
  bun: {
    reason: "Bun binds at listen() at once, without a lookup in libuv's threadpool to hold it pending (and in CommonJS the scenario's exit() is an unhandled rejection): the server is drained as any listening server",
    failure: /listening at exit: true|SystemExit: Exiting with status 0/,
  },
  deno: {
    reason: "Deno resolves the address without libuv's threadpool, so the listen may complete before the exit starts its drain: the server is then drained as any listening server",
    failure: /\+ {3}'listening',/,
    intermittent: true,
  },
};

/**
 * Runs an http scenario; `drive({ port, ports, child, events, waitFor })` runs
 * once it is ready. Resolves { result, driven, signalledAt } (the child's exit,
 * what drive returned, when SIGTERM was sent if drive used `terminate`).
 */
async function withScenario(spec, { format, args = [], env = {} }, drive) {
  const waiters = [];
  const ports = {};
  let child;
  let readyResolve;
  const ready = new Promise((resolve) => (readyResolve = resolve));
  const events = [];
  const waitFor = (event) =>
    events.includes(event) ? Promise.resolve() : new Promise((resolve) => waiters.push({ event, resolve }));
  const running = runScenario(spec, {
    format,
    args,
    env,
    onSpawn: (spawned) => (child = spawned),
    onEvent(line) {
      events.push(line);
      const [name, value] = line.split(' ');
      if (name.startsWith('port')) ports[name] = Number(value);
      if (line === 'ready') readyResolve();
      for (const waiter of waiters.filter((w) => w.event === line)) waiter.resolve();
    },
  });
  await Promise.race([ready, running]);
  let signalledAt;
  const terminate = (signal = 'SIGTERM') => {
    signalledAt ??= performance.now();
    child.kill(signal);
  };
  const driven = await drive({ port: ports.port, ports, terminate, waitFor });
  const result = await running;
  const exitedAt = performance.now();
  return { result, driven, msAfterSignal: signalledAt === undefined ? undefined : exitedAt - signalledAt };
}

const options = (value) => JSON.stringify(value);

for (const format of FORMATS) {
  describe(`drainOnExit() in a process [${format}]`, { concurrency: 4 }, () => {
    test('SIGTERM: in-flight requests finish with Connection: close; idle keep-alive sockets are left to the client, and the process exits as it closes them', knownDifference({ bun: BUN_IDLE_CLOSE }, async (t) => {
      let closedAt;
      const { result, driven, msAfterSignal } = await withScenario('http:server', { format }, async ({ port, terminate, waitFor }) => {
        const agent = new http.Agent({ keepAlive: true });
        const idle = [];
        await Promise.all([1, 2, 3].map(() => request(port, '/ms/0', { agent, onSocket: (s) => idle.push(watchSocket(s)) })));
        const busy = [request(port, '/ms/400', { agent }), request(port, '/ms/350', { agent })];
        await waitFor('received /ms/350');
        terminate();
        const replies = await Promise.all(busy);
        await sleep(300);
        const openAfterDrain = Object.values(agent.freeSockets).flat().length;
        closedAt = performance.now();
        agent.destroy(); // the client closes its idle sockets (an agent's own idle timeout, a proxy evicting them…)
        return { busy: replies, openAfterDrain, idle: await Promise.all(idle) };
      });
      assert.deepEqual(driven.busy.map((r) => [r.status, r.connection, r.body]), [
        [200, 'close', 'ms 400'],
        [200, 'close', 'ms 350'],
      ]);
      // The busy requests reused two of the three keep-alive sockets (closed after their responses);
      // the third, idle, was still open 300 ms after the last response: no FIN from the server.
      assert.equal(driven.openAfterDrain, 1);
      assert.deepEqual(driven.idle, Array(3).fill({ errors: [], hadError: false }));
      assertDiedBy(t, result, 'SIGTERM');
      assert.equal(result.stderr, '');
      assert.deepEqual(result.events.slice(-3), ['served /ms/350', 'served /ms/400', 'database closed']);
      assert.ok(msAfterSignal > 600 && msAfterSignal < 3000, `exited ${msAfterSignal} ms after SIGTERM`);
      assert.ok(performance.now() - closedAt < 1500, 'exited right after the client closed its sockets');
    }));

    test("idleKeepAlive: 'close': idle keep-alive sockets close with a FIN after idleGrace, and the process exits after the last response", async (t) => {
      const { result, driven, msAfterSignal } = await withScenario('http:server', { format, args: [options({ idleKeepAlive: 'close' })] }, async ({ port, terminate, waitFor }) => {
        const agent = new http.Agent({ keepAlive: true });
        const idle = [];
        await Promise.all([1, 2, 3].map(() => request(port, '/ms/0', { agent, onSocket: (s) => idle.push(watchSocket(s)) })));
        const busy = [request(port, '/ms/400', { agent }), request(port, '/ms/350', { agent })];
        await waitFor('received /ms/350');
        terminate();
        return { busy: await Promise.all(busy), idle: await Promise.all(idle) };
      });
      assert.deepEqual(driven.busy.map((r) => [r.status, r.connection]), [
        [200, 'close'],
        [200, 'close'],
      ]);
      assert.deepEqual(driven.idle, Array(3).fill({ errors: [], hadError: false }));
      assertDiedBy(t, result, 'SIGTERM');
      assert.equal(result.stderr, '');
      assert.ok(msAfterSignal > 300 && msAfterSignal < 2000, `exited ${msAfterSignal} ms after SIGTERM`);
    });

    test('the exit starts before listen() has bound: the drain cancels the pending listen (defect 12)', knownDifference(PENDING_LISTEN, async () => {
      const result = await runScenario('http:pendingListen', { format, env: { UV_THREADPOOL_SIZE: '1' } });
      assert.equal(result.stderr, '');
      assert.equal(result.code, 0);
      assert.deepEqual(result.events, ['listening at exit: false', 'threadpool free', 'listening after the drain: false']);
    }));

    test('readiness answers 503 from the moment of SIGTERM, liveness 200, and a request during the delay is served normally', async (t) => {
      const { result, driven, msAfterSignal } = await withScenario('http:server', { format, args: [options({ delay: 600 })] }, async ({ port, terminate, waitFor }) => {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        const before = await request(port, '/ready', { agent });
        terminate();
        await waitFor('shutdown signal');
        const after = await request(port, '/ready', { agent });
        const live = await request(port, '/live', { agent });
        const served = await request(port, '/ms/0', { agent });
        const fresh = await request(port, '/ms/0', { agent: false });
        agent.destroy();
        return [before, after, live, served, fresh].map((r) => [r.status, r.body, r.connection]);
      });
      assert.deepEqual(driven, [
        [200, 'ready\n', 'keep-alive'],
        [503, 'shutting down\n', 'keep-alive'],
        [200, 'alive\n', 'keep-alive'],
        [200, 'ms 0', 'keep-alive'],
        [200, 'ms 0', 'close'], // agent: false asks for close itself: a new connection is still accepted
      ]);
      assertDiedBy(t, result, 'SIGTERM');
      assert.ok(msAfterSignal >= 600 && msAfterSignal < 2500, `exited ${msAfterSignal} ms after SIGTERM`);
    });

    test('in Kubernetes the delay defaults to 5 s; a second SIGTERM cuts it short', async (t) => {
      const env = { KUBERNETES_SERVICE_HOST: '10.96.0.1' };
      const { result, driven, msAfterSignal } = await withScenario('http:server', { format, env }, async ({ port, terminate, waitFor }) => {
        terminate();
        await waitFor('shutdown signal');
        await new Promise((resolve) => setTimeout(resolve, 300));
        const during = await request(port, '/ms/0', { agent: new http.Agent({ keepAlive: true }) });
        // A repeat within 1 s is a relayed duplicate; a second request to stop comes later.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        terminate();
        return [during.status, during.connection];
      });
      assert.deepEqual(driven, [200, 'keep-alive']);
      assertDiedBy(t, result, 'SIGTERM');
      assert.match(result.stderr, /^farewell: received SIGTERM again during the exit: ending now; still running: "http server" \(running for \d\.\d s\); not started: "database"\n$/);
      assert.ok(msAfterSignal < 3000, `exited ${msAfterSignal} ms after the first SIGTERM`);
    });

    test('an exit the program starts itself (exit()) does not wait for the delay', async () => {
      const { result, driven } = await withScenario('http:server', { format, args: [options({ delay: 5000 })] }, async ({ port }) => {
        const reply = await request(port, '/exit', { agent: false });
        return [reply.status, reply.body];
      });
      assert.deepEqual(driven, [200, 'bye']);
      assert.equal(result.code, 0);
      assert.ok(result.ms < 4000, `took ${result.ms} ms`);
    });

    test('the drain timeout destroys a hanging request and names it on stderr', async (t) => {
      const { result, driven } = await withScenario('http:server', { format, args: [options({ timeout: 300 })] }, async ({ port, terminate, waitFor }) => {
        const hanging = request(port, '/hang?user=42');
        await waitFor('received /hang');
        terminate();
        return (await hanging).error;
      });
      assert.equal(driven, 'ECONNRESET');
      assertDiedBy(t, result, 'SIGTERM');
      const match = /^farewell: the drain of http:\/\/127\.0\.0\.1:\d+ timed out after (\d+) ms: cut 1 request \(GET \/hang\); destroyed 1 connection\n$/.exec(result.stderr);
      assert.ok(match, result.stderr);
      assert.ok(Number(match[1]) >= 300 && Number(match[1]) < 1000, `timed out after ${match[1]} ms`);
      assert.deepEqual(result.events.slice(-1), ['database closed']);
    });

    test('a drain cut at its timeout is a cleanup failure: exit(0) ends with status 1', async () => {
      const { result } = await withScenario('http:server', { format, args: [options({ timeout: 300 })] }, async ({ port, waitFor }) => {
        const hanging = request(port, '/hang');
        await waitFor('received /hang');
        await request(port, '/exit');
        await hanging;
      });
      assert.equal(result.signal, null);
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^farewell: the drain of http:\/\/127\.0\.0\.1:\d+ timed out after \d+ ms: cut 1 request \(GET \/hang\); destroyed 1 connection\n$/);
    });

    test('without a timeout of its own the drain ends within the global deadline, leaving time for later hooks', async (t) => {
      const { result, msAfterSignal } = await withScenario('http:server', { format, args: ['{}', options({ timeout: 1200 })] }, async ({ port, terminate, waitFor }) => {
        const hanging = request(port, '/hang');
        await waitFor('received /hang');
        terminate();
        await hanging;
      });
      assertDiedBy(t, result, 'SIGTERM');
      // Less than 2 s left: the drain takes half of what is left when it starts (at most 600 ms), and the
      // global deadline is never reached.
      const match = /^farewell: the drain of [^\n]*timed out after (\d+) ms: cut 1 request \(GET \/hang\); destroyed 1 connection\n$/.exec(result.stderr);
      assert.ok(match, result.stderr);
      assert.ok(Number(match[1]) >= 500 && Number(match[1]) <= 700, `timed out after ${match[1]} ms`);
      assert.deepEqual(result.events.slice(-1), ['database closed']);
      assert.ok(msAfterSignal < 1200, `exited ${msAfterSignal} ms after SIGTERM`);
    });

    test('a client that never sends a byte does not hold the exit, and sees a FIN', async (t) => {
      const { result, driven, msAfterSignal } = await withScenario('http:server', { format }, async ({ port, terminate, waitFor }) => {
        const silent = await connectRaw(port);
        const closed = watchSocket(silent);
        const ended = once(silent, 'end').then(() => silent.end());
        await waitFor('connection');
        terminate();
        await ended;
        return closed;
      });
      assert.deepEqual(await driven, { errors: [], hadError: false });
      assertDiedBy(t, result, 'SIGTERM');
      assert.ok(msAfterSignal < 1000, `exited ${msAfterSignal} ms after SIGTERM`);
    });

    test('two servers drain concurrently and the delay counts once per process', async (t) => {
      const { result, driven, msAfterSignal } = await withScenario('http:twoServers', { format, args: [options({ delay: 600 })] }, async ({ ports, terminate, waitFor }) => {
        terminate();
        await waitFor('shutdown signal');
        const replies = [request(ports['port-a'], '/ms/900'), request(ports['port-b'], '/ms/900')];
        return (await Promise.all(replies)).map((r) => [r.status, r.body, r.connection]);
      });
      assert.deepEqual(driven, [
        [200, 'ms 900', 'close'],
        [200, 'ms 900', 'close'],
      ]);
      assertDiedBy(t, result, 'SIGTERM');
      // One delay (600 ms) overlapping the requests (900 ms): about 900 ms; drains in turn, each with its own delay, would take 1500.
      assert.ok(msAfterSignal >= 890 && msAfterSignal < 1350, `exited ${msAfterSignal} ms after SIGTERM`);
    });

    test('while one server drains, the other no longer accepts connections', async () => {
      const { driven } = await withScenario('http:twoServers', { format }, async ({ ports, terminate, waitFor }) => {
        const busy = request(ports['port-a'], '/ms/600');
        await waitFor('received /ms/600');
        terminate();
        await waitFor('shutdown signal');
        await new Promise((resolve) => setTimeout(resolve, 100));
        const refused = await request(ports['port-b'], '/ms/0');
        return [(await busy).status, refused.error];
      });
      assert.deepEqual(driven, [200, 'ECONNREFUSED']);
    });

    test('Server-Sent Events end through shutdownSignal', async (t) => {
      const { result, driven, msAfterSignal } = await withScenario('http:server', { format }, async ({ port, terminate, waitFor }) => {
        const agent = new http.Agent({ keepAlive: true });
        const stream = request(port, '/sse', { agent });
        await waitFor('received /sse');
        terminate();
        const reply = await stream;
        agent.destroy(); // its socket went back to the pool, keep-alive: the client closes it
        return reply;
      });
      assert.equal(driven.status, 200);
      // The stream ended at the start of the exit, before the drain: its connection was still keep-alive.
      assert.equal(driven.connection, 'keep-alive');
      assert.match(driven.body, /^data: hello\n\n(data: tick\n\n)*data: bye\n\n$/);
      assertDiedBy(t, result, 'SIGTERM');
      assert.ok(msAfterSignal < 1000, `exited ${msAfterSignal} ms after SIGTERM`);
    });

    test('HTTP/2: GOAWAY at SIGTERM, the open stream completes', async (t) => {
      const { result, driven } = await withScenario('http:http2', { format }, async ({ port, terminate, waitFor }) => {
        const { session, goaways } = await h2connect(port);
        const open = h2request(session, '/ms/300');
        await waitFor('received /ms/300');
        terminate();
        const reply = await open;
        return { reply: [reply.status, reply.body], firstGoaway: goaways[0] };
      });
      assert.deepEqual(driven, { reply: [200, 'h2 300'], firstGoaway: { code: 0, lastStreamID: 2 ** 31 - 1 } });
      assertDiedBy(t, result, 'SIGTERM');
      assert.equal(result.stderr, '');
    });

    test('WebSocket: the client receives a close frame 1001 at SIGTERM', async (t) => {
      const { result, driven } = await withScenario('http:websocket', { format }, async ({ port, terminate, waitFor }) => {
        const client = new WebSocket(`ws://127.0.0.1:${port}/`);
        const closed = new Promise((resolve) => client.once('close', (code, reason) => resolve([code, String(reason)])));
        await waitFor('websocket connected');
        terminate();
        return closed;
      });
      assert.deepEqual(driven, [1001, 'going away']);
      assertDiedBy(t, result, 'SIGTERM');
      assert.deepEqual(result.events.slice(-1), ['websocket closed 1001']);
    });

    test('bad input gets a clear error', async (t) => {
      const result = await runScenario('http:errors', { format });
      assert.equal(result.code, 0, result.stderr);
      const closedServers = result.events.splice(-2);
      assert.deepEqual(result.events, [
        'TypeError: server must be a node:http, node:https or node:http2 server or a Fastify instance, got 42',
        'TypeError: server must be a node:http, node:https or node:http2 server or a Fastify instance (for Express or Koa, pass the server that app.listen() returns), got function (anonymous)',
        'TypeError: server must be an HTTP server (node:http, node:https or node:http2), got a plain net.Server',
        'RangeError: options.timeout must be more than 0 and at most 2147483647 milliseconds, got -1',
        "TypeError: options.delay must be a number of milliseconds, got '5s'",
        'RangeError: options.idleGrace must be from 0 to 2147483647 milliseconds, got -1',
        "TypeError: options.idleKeepAlive must be 'wait' or 'close', got 'never'",
        "TypeError: options.webSockets[0] must be a WebSocket server with a 'clients' set (ws's WebSocketServer), got {}",
        'TypeError: options.grace is not an option; the options are: idleGrace, idleKeepAlive, webSockets, closeUpgraded, delay, timeout, name',
        'TypeError: options.name is not an option; the options are: idleGrace, idleKeepAlive, webSockets, closeUpgraded, delay, timeout',
        'no error',
        'no error',
        'Error: drainOnExit() was already called for http server (never listened)',
      ]);
      const BUN_CLOSED = {
        reason: "Bun's servers keep no trace of an earlier listen() once closed (no _connectionKey): a closed server is taken for one that never listened, and its drain ends at once",
        failure: /server is already closed/,
      };
      await t.test(
        'a server that listened and was closed (alone, and under Fastify) is refused',
        knownDifference({ bun: BUN_CLOSED }, () => {
          assert.deepEqual(closedServers, [
            'Error: server is already closed (it listened, then closed); track a server right after creating it',
            'Error: server is already closed (it listened, then closed); track a server right after creating it',
          ]);
        }),
      );
    });
  });
}
