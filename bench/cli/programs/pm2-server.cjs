'use strict';
// The pm2 program of the reload benchmark, as PM2's documentation writes it
// (pm2.keymetrics.io/docs/usage/signals-clean-restart/): listen, then
// process.send('ready') for wait_ready; on SIGINT close the server, then exit.
const http = require('node:http');

const server = http.createServer((req, res) => {
  const ms = Number(/^\/ms\/(\d+)/.exec(req.url)?.[1] ?? 0);
  setTimeout(() => res.end(String(process.pid)), ms);
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => process.send('ready'));
process.on('SIGINT', () => {
  server.close(() => process.exit(0));
});
