// A small HTTP router standing in for a Kubernetes Service: it proxies each
// request to one of its backends (round robin, keep-alive connections to
// each), and stops routing to a backend only after a lag, as endpoints and
// kube-proxy do. Used by the Kubernetes end-to-end test and the benchmarks.
import http from 'node:http';

/**
 * backends: ports. Options:
 * - `readinessPath` + `pollMs` + `lagMs`: poll each backend's readiness over a
 *   fresh connection (as the kubelet does) and stop routing to one `lagMs`
 *   after it first fails;
 * - without them, call `removeAfter(port, lagMs)` yourself.
 * Records every failure between router and backend (`upstreamErrors`).
 */
export async function createRouter(ports, { readinessPath, pollMs = 100, lagMs = 300, maxSockets = Infinity } = {}) {
  const backends = ports.map((port) => ({
    port,
    routable: true,
    removal: undefined,
    served: 0,
    agent: new http.Agent({ keepAlive: true, maxSockets }),
  }));
  const upstreamErrors = [];
  let next = 0;

  const removeAfter = (port, ms) => {
    const backend = backends.find((b) => b.port === port);
    if (backend === undefined || backend.removal !== undefined || !backend.routable) return;
    backend.removal = setTimeout(() => (backend.routable = false), ms);
  };

  const server = http.createServer((req, res) => {
    const routable = backends.filter((b) => b.routable);
    if (routable.length === 0) {
      upstreamErrors.push('no backend');
      res.writeHead(503).end('no backend');
      return;
    }
    const backend = routable[next++ % routable.length];
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
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
