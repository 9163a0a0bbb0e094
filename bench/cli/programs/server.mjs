// The farewell program of the reload benchmark: listen() on the socket the CLI
// passes (or on PORT when started without --listen), drainOnExit(), ready().
// GET /ms/N answers after N ms with the pid. With CRASH_FLAG naming a file that
// exists, it exits with 1 at start (a broken deploy).
import { existsSync } from 'node:fs';
import http from 'node:http';
import { drainOnExit, listen, ready } from 'farewell/http';

if (process.env.CRASH_FLAG && existsSync(process.env.CRASH_FLAG)) {
  console.error(`server ${process.pid}: broken deploy, exiting`);
  process.exit(1);
}
const server = http.createServer((req, res) => {
  const ms = Number(/^\/ms\/(\d+)/.exec(req.url)?.[1] ?? 0);
  setTimeout(() => res.end(String(process.pid)), ms);
});
drainOnExit(server);
await listen(server, { port: Number(process.env.PORT), host: '127.0.0.1' });
ready();
