// An HTTP server run by node:cluster: two workers share the port. On SIGTERM
// or Ctrl+C the primary disconnects its workers; each one drains its server in
// its own exit hook (farewell/http), so requests in flight are answered, then
// exits; the primary exits once both are gone.
//   PORT=3000 node examples/process/cluster.mjs
//   curl 'localhost:3000/?ms=2000' & kill -TERM <primary pid>   → the response still arrives
import cluster from 'node:cluster';
import http from 'node:http';
import { drainOnExit } from 'farewell/http';
import { exitWithParent, stopClusterOnExit } from 'farewell/process';

if (cluster.isPrimary) {
  // On exit: disconnect every worker, wait up to 5 s for each to drain and exit, then kill it.
  stopClusterOnExit({ timeout: 5000 });
  cluster.on('exit', (worker, code, signal) => console.log(`primary: worker ${worker.id} exited (${signal ?? code})`));
  let listening = 0;
  cluster.on('listening', (worker, { address, port }) => {
    if (++listening === 2) console.log(`listening on http://${address}:${port} (primary ${process.pid})`);
  });
  cluster.fork();
  cluster.fork();
} else {
  // Start this worker's exit sequence the moment the primary disconnects it.
  exitWithParent();
  const id = cluster.worker.id;
  const server = http.createServer((request, response) => {
    const ms = Number(new URL(request.url, 'http://localhost').searchParams.get('ms') ?? 0);
    console.log(`worker ${id}: ${request.method} ${request.url}`);
    setTimeout(() => response.end(`worker ${id}: hello after ${ms} ms\n`), ms);
  });
  // The drain: stop accepting, answer what is in flight with `Connection: close`,
  // close keep-alive connections once idle, and exit when the last one is closed.
  drainOnExit(server);
  server.listen(Number(process.env.PORT ?? 3000), process.env.HOST ?? '127.0.0.1');
}
