// A node:http server that drains gracefully on SIGTERM, with Kubernetes probes.
//   PORT=3000 node examples/http/node-server.mjs
//   curl localhost:3000/slow?ms=2000 & kill -TERM <pid>   → the response still arrives
import http from 'node:http';
import { configure } from 'farewell';
import { drainOnExit, livenessHandler, readinessHandler } from 'farewell/http';

// The global exit deadline (default 10 s) bounds the delay, the drain and every later hook:
// in Kubernetes, size it to the grace period (examples/http/kubernetes.yaml sets 20 s of 30 s).
if (process.env.EXIT_TIMEOUT_MS) configure({ timeout: Number(process.env.EXIT_TIMEOUT_MS) });

const ready = readinessHandler(); // 200 until the exit starts, then 503
const live = livenessHandler(); // always 200

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/ready') return ready(req, res);
  if (url.pathname === '/live') return live(req, res);
  const ms = Number(url.searchParams.get('ms') ?? 0);
  setTimeout(() => res.end(`hello after ${ms} ms\n`), ms);
});

// Right after creating the server: tracks its connections, drains it on exit.
drainOnExit(server);

server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1', () => {
  console.log(`listening on http://${server.address().address}:${server.address().port}`);
});
