// HTTP/2 (cleartext, h2c): on exit each session gets a GOAWAY and its open streams finish.
// A secure server works the same: http2.createSecureServer({ key, cert, allowHTTP1: true }),
// where HTTP/1.1 clients get `Connection: close` instead.
//   PORT=3000 node examples/http/http2.mjs
//   curl --http2-prior-knowledge localhost:3000/
import http2 from 'node:http2';
import { drainOnExit } from 'farewell/http';

const server = http2.createServer();
server.on('stream', (stream) => {
  stream.respond({ ':status': 200, 'content-type': 'text/plain' });
  stream.end('hello over h2c\n');
});

drainOnExit(server);
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
