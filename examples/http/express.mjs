// Express 5: drain the server that app.listen() returns.
//   PORT=3000 node examples/http/express.mjs
import express from 'express';
import { drainOnExit, livenessHandler, readinessHandler } from 'farewell/http';

const app = express();
app.get('/ready', readinessHandler());
app.get('/live', livenessHandler());
app.get('/', (req, res) => res.send('hello from express\n'));

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
drainOnExit(server);
