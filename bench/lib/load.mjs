// Back-to-back keep-alive load: `connections` loops, each sending its next
// request as soon as the previous one is answered, bounded in count and time.
import http from 'node:http';

/**
 * Starts the load on 127.0.0.1:`port`. A loop stops at `stop()`, after
 * `maxRequests` requests in all, after `maxMs`, or (with `stopWhenRefused`)
 * when a connection is refused (the server is gone). With `mix: 'get-post'`
 * every other request of a loop is a POST with a small body (a proxy never
 * retries a POST it has sent: a hidden retry cannot mask a lost one).
 * `stop()` resolves with { total, ok, refused, failedAfterSent, failures, bodies }:
 * `refused` requests never left the client (ECONNREFUSED); every other
 * failure (a reset, a hang-up, a status other than 200) was sent and lost.
 * `failures` counts them by reason and method.
 */
export function startLoad(port, { connections = 16, path = '/ms/0', maxRequests = 200_000, maxMs = 15_000, stopWhenRefused = false, mix = 'get' } = {}) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const summary = { total: 0, ok: 0, refused: 0, failedAfterSent: 0, failures: {}, bodies: {} };
  const deadline = performance.now() + maxMs;
  let stopping = false;
  const failWith = (reason) => {
    summary.failedAfterSent++;
    summary.failures[reason] = (summary.failures[reason] ?? 0) + 1;
  };
  const once = (method) =>
    new Promise((resolve) => {
      summary.total++;
      const fail = (reason) => failWith(`${method} ${reason}`);
      const req = http.request({ host: '127.0.0.1', port, path, agent, method, headers: method === 'POST' ? { 'content-type': 'text/plain' } : {} }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          if (res.statusCode === 200) {
            summary.ok++;
            summary.bodies[body] = (summary.bodies[body] ?? 0) + 1;
          } else fail(`status ${res.statusCode} ${body.replace(/\s+/g, " ").slice(0, 40)}`);
          resolve(true);
        });
        res.on('error', (error) => {
          fail(`response ${error.code ?? error.message}`);
          resolve(true);
        });
      });
      req.on('error', (error) => {
        if (error.code === 'ECONNREFUSED') {
          summary.refused++;
          resolve(!stopWhenRefused);
        } else {
          fail(`${error.code ?? error.message} reused=${req.reusedSocket}`);
          resolve(true);
        }
      });
      req.end(method === 'POST' ? 'payload' : undefined);
    });
  const loop = async () => {
    for (let count = 0; !stopping && summary.total < maxRequests && performance.now() < deadline; count++) {
      if (!(await once(mix === 'get-post' && count % 2 === 1 ? 'POST' : 'GET'))) return;
    }
  };
  const loops = Array.from({ length: connections }, loop);
  return {
    summary,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      agent.destroy();
      return summary;
    },
    /** Resolves when every loop has ended by itself (refused, or bounds reached). */
    finished: Promise.all(loops).then(() => summary),
  };
}
