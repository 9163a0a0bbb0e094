// Zero-downtime reload: run it under the farewell CLI, which holds the socket,
//   npx farewell --listen 3000 -- node examples/http/reload.mjs
// then reload with `kill -HUP <farewell's pid>`: a new copy starts on the same
// socket, says it is ready, and the old one drains. Without the CLI it simply
// listens on PORT (default 3000). See docs/reload.md.
import http from 'node:http';
import { drainOnExit, listen, ready } from 'farewell/http';

const server = http.createServer((req, res) => res.end(`hello from ${process.pid}\n`));
drainOnExit(server);
const socket = await listen(server, { port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
const { port } = server.address();
console.log(`pid ${process.pid} listening on http://127.0.0.1:${port} (${socket ? `inherited fd ${socket.fd}` : 'its own socket'})`);
ready();
