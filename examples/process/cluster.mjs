// A cluster whose primary, on exit, disconnects its workers; each worker
// drains its HTTP server in its own exit hooks, then exits.
// Here the primary serves one request through the cluster, then calls exit().
// Run: node examples/process/cluster.mjs   (or send it SIGTERM / press Ctrl+C)
import cluster from 'node:cluster';
import http from 'node:http';
import { exit, onExit } from 'farewell';
import { exitWithParent, stopClusterOnExit } from 'farewell/process';

if (cluster.isPrimary) {
  stopClusterOnExit({ timeout: 5000 });
  cluster.on('exit', (worker, code, signal) => console.log(`primary: worker ${worker.id} exited (${signal ?? code})`));
  let listening = 0;
  cluster.on('listening', (worker, { port }) => {
    if (++listening < 2) return;
    http.get(`http://127.0.0.1:${port}/`, (response) => {
      response.resume().on('end', () => {
        console.log(`primary: got ${response.statusCode}; exiting`);
        try {
          exit(0);
        } catch {
          // SystemExit unwinds this callback.
        }
      });
    });
  });
  cluster.fork();
  cluster.fork();
} else {
  exitWithParent(); // start this worker's exit sequence when the primary disconnects it
  let draining = false;
  const server = http.createServer((request, response) => {
    if (draining) response.setHeader('Connection', 'close');
    response.end('ok\n');
  });
  onExit(async () => {
    draining = true;
    server.closeIdleConnections();
    await new Promise((resolve) => server.close(resolve));
    console.log(`worker ${cluster.worker.id}: drained`);
  });
  server.listen(0, '127.0.0.1');
}
