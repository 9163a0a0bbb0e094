// WebSockets with the ws package: on exit every client gets a close frame 1001 "going away".
//   PORT=3000 node examples/http/websocket.mjs
import http from 'node:http';
import { WebSocketServer } from 'ws';
import { drainOnExit } from 'farewell/http';

const server = http.createServer((req, res) => res.end('hello; connect with a WebSocket client\n'));
const wss = new WebSocketServer({ server });
wss.on('connection', (socket) => {
  socket.send('welcome');
  socket.on('message', (message) => socket.send(`echo ${message}`));
});

drainOnExit(server, { webSockets: wss });
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
