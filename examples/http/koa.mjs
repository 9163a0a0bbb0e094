// Koa 3: drain the server that app.listen() returns; readiness as middleware.
//   PORT=3000 node examples/http/koa.mjs
import Koa from 'koa';
import { drainOnExit, livenessHandler, readinessHandler } from 'farewell/http';

const app = new Koa();
const ready = readinessHandler();
const live = livenessHandler();
app.use((ctx, next) => {
  if (ctx.path === '/ready') return ready(ctx, next);
  if (ctx.path === '/live') return live(ctx, next);
  ctx.body = 'hello from koa\n';
  return next();
});

const server = app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
drainOnExit(server);
