// Fastify 5 with its logger (pino) on a worker-thread transport: the requests
// in flight at SIGTERM are answered, and every request's log line, and the
// onClose hook's, reaches the file.
//   LOG_FILE=app.log PORT=3000 node examples/stacks/fastify-logger.mjs
import Fastify from 'fastify';
import { drainOnExit } from 'farewell/http';

const fastify = Fastify({
  logger: { transport: { target: 'pino/file', options: { destination: process.env.LOG_FILE ?? 1 } } },
});
fastify.get('/slow', async (request) => {
  request.log.info('working on it');
  await new Promise((resolve) => setTimeout(resolve, 200));
  return 'done\n';
});
fastify.addHook('onClose', async (instance) => {
  instance.log.info('closing: the database pool would end here');
});

drainOnExit(fastify);
await fastify.listen({ port: Number(process.env.PORT ?? 3000), host: '127.0.0.1' });
console.log(`listening on http://127.0.0.1:${fastify.server.address().port}`);
