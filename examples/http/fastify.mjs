// Fastify 5: pass the instance; its onClose hooks run once the connections are drained.
//   PORT=3000 node examples/http/fastify.mjs
import Fastify from 'fastify';
import { drainOnExit, livenessHandler, readinessHandler } from 'farewell/http';

const fastify = Fastify();
fastify.get('/ready', readinessHandler());
fastify.get('/live', livenessHandler());
fastify.get('/', async () => 'hello from fastify\n');
fastify.addHook('onClose', async () => {
  // e.g. close the database pool: runs after the last request has been answered
});

drainOnExit(fastify);
await fastify.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${fastify.server.address().port}`);
