// A small router standing in for a Kubernetes Service, in one of two modes:
// - 'tcp' (kube-proxy): each client connection is spliced to one backend when
//   it is accepted and stays with it; removing a backend only sends *new*
//   connections elsewhere, so keep-alive connections keep flowing to a
//   terminating pod until it closes them;
// - 'http' (an ingress): each request goes to a backend, over keep-alive
//   connections to each.
// A backend stops receiving new work only after a lag, as endpoints do.
// Used by the Kubernetes end-to-end test and the benchmarks.
import http from 'node:http';
import net from 'node:net';

/**
 * backends: ports. Options:
 * - `readinessPath` + `pollMs` + `lagMs`: poll each backend's readiness over a
 *   fresh connection (as the kubelet does) and stop routing to one `lagMs`
 *   after it first fails;
 * - without them, call `removeAfter(port, lagMs)` yourself.
 * - `idleTimeoutMs` ('http'): close a pooled upstream connection once idle
 *   that long (or at the backend's `Keep-Alive: timeout` hint minus 1 s, if
 *   shorter), as a proxy configured with an upstream idle timeout below the
 *   backend's keep-alive timeout does; by default pooled connections stay
 *   until the backend closes them.
 * Records every failure between router and backend (`upstreamErrors`);
 * `backends[i].served` counts responses ('http') or connections ('tcp').
 */
export async function createRouter(ports, { mode = 'http', readinessPath, pollMs = 100, lagMs = 300, maxSockets = Infinity, idleTimeoutMs } = {}) {
  const backends = ports.map((port) => ({
    port,
    routable: true,
    removal: undefined,
    served: 0,
    agent: new http.Agent({ keepAlive: true, maxSockets, ...(idleTimeoutMs === undefined ? {} : { timeout: idleTimeoutMs }) }),
  }));
  const upstreamErrors = [];
  let next = 0;

  const removeAfter = (port, ms) => {
    const backend = backends.find((b) => b.port === port);
    if (backend === undefined || backend.removal !== undefined || !backend.routable) return;
    backend.removal = setTimeout(() => (backend.routable = false), ms);
  };

  const pick = () => {
    const routable = backends.filter((b) => b.routable);
    return routable.length === 0 ? undefined : routable[next++ % routable.length];
  };

  const server = mode === 'tcp' ? net.createServer({ allowHalfOpen: true }, (client) => splice(client, pick(), upstreamErrors)) : http.createServer((req, res) => {
    const backend = pick();
    if (backend === undefined) {
      upstreamErrors.push('no backend');
      res.writeHead(503).end('no backend');
      return;
    }
    const upstream = http.request({ host: '127.0.0.1', port: backend.port, path: req.url, method: req.method, headers: req.headers, agent: backend.agent }, (reply) => {
      backend.served++;
      const headers = { ...reply.headers };
      delete headers.connection; // hop-by-hop: the client's connection to the router is its own
      delete headers['keep-alive'];
      res.writeHead(reply.statusCode, headers);
      reply.pipe(res);
    });
    upstream.on('error', (error) => {
      upstreamErrors.push(`${backend.port} ${error.code ?? error.message} reused=${upstream.reusedSocket}`);
      if (!res.headersSent) res.writeHead(502).end(`upstream ${error.code}`);
      else res.destroy();
    });
    req.pipe(upstream);
  });

  let poller;
  if (readinessPath !== undefined) {
    const probe = (backend) =>
      new Promise((resolve) => {
        const request = http.get({ host: '127.0.0.1', port: backend.port, path: readinessPath, agent: false, timeout: pollMs }, (reply) => {
          reply.resume();
          resolve(reply.statusCode === 200);
        });
        request.on('error', () => resolve(false));
        request.on('timeout', () => request.destroy());
      });
    poller = setInterval(() => {
      for (const backend of backends) {
        if (!backend.routable || backend.removal !== undefined) continue;
        probe(backend).then((ready) => ready || removeAfter(backend.port, lagMs));
      }
    }, pollMs);
  }

  const tcpSockets = new Set();
  if (mode === 'tcp') {
    server.on('connection', (socket) => {
      tcpSockets.add(socket);
      socket.on('close', () => tcpSockets.delete(socket));
    });
  }
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    backends,
    upstreamErrors,
    removeAfter,
    async close() {
      clearInterval(poller);
      for (const backend of backends) {
        clearTimeout(backend.removal);
        backend.agent.destroy();
      }
      if (mode === 'tcp') for (const socket of tcpSockets) socket.destroy();
      else server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Splices a client connection to a backend, mirroring what the backend does:
 * a FIN is passed on as a FIN, a reset as a reset (the client sees the same
 * failure it would see without the router).
 */
function splice(client, backend, upstreamErrors) {
  if (backend === undefined) {
    upstreamErrors.push('no backend');
    client.destroy();
    return;
  }
  backend.served++;
  const upstream = net.connect({ host: '127.0.0.1', port: backend.port, allowHalfOpen: true });
  client.pipe(upstream);
  upstream.pipe(client);
  upstream.on('error', (error) => {
    upstreamErrors.push(`${backend.port} ${error.code ?? error.message}`);
    // Never reset a socket already ended: that hangs the process (node-platform-facts §7b).
    if (client.writableEnded) client.destroy();
    else client.resetAndDestroy();
  });
  client.on('error', () => upstream.destroy());
  client.on('close', () => upstream.destroy());
}
