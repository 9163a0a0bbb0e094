// Server-Sent Events: a long-lived response ends through shutdownSignal, so the drain is not held up.
//   PORT=3000 node examples/http/sse.mjs
//   curl -N localhost:3000/   (then kill -TERM <pid>: the stream ends with "event: bye")
import http from 'node:http';
import { shutdownSignal } from 'farewell';
import { drainOnExit } from 'farewell/http';

const server = http.createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
  // Send the head now: writeHead() only stores it until the first write, and the client
  // (an EventSource) reports the stream open only once the head arrives.
  res.flushHeaders();
  const ticker = setInterval(() => res.write(`data: ${new Date().toISOString()}\n\n`), 1000);
  const end = () => {
    clearInterval(ticker);
    res.end('event: bye\ndata: the server is shutting down\n\n');
  };
  // Already exiting (a client reconnecting during the drain): end at once.
  if (shutdownSignal.aborted) return end();
  shutdownSignal.addEventListener('abort', end, { once: true });
  res.on('close', () => {
    clearInterval(ticker);
    shutdownSignal.removeEventListener('abort', end);
  });
});

drainOnExit(server);
server.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
