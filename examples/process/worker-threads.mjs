// stopWorker(): the main thread asks a worker to stop; inside the worker,
// shutdownSignal aborts and its exit hooks run; a worker that does not stop
// within the timeout is terminated. Run: node examples/process/worker-threads.mjs
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { onExit, shutdownSignal } from 'farewell';
import { exitWithParent, stopWorker } from 'farewell/process';

if (isMainThread) {
  const worker = new Worker(new URL(import.meta.url));
  await new Promise((resolve) => worker.once('message', resolve));
  console.log('main: asking the worker to stop');
  console.log('main:', await stopWorker(worker, { timeout: 2000 })); // { code: 0, terminated: false }
} else {
  exitWithParent(); // in a worker: obey stopWorker() from the parent thread
  shutdownSignal.addEventListener('abort', () => console.log('worker: shutdownSignal aborted'));
  onExit(async () => {
    await new Promise((resolve) => setTimeout(resolve, 100));
    console.log('worker: flushed its queue');
  });
  setInterval(() => {}, 1000); // some ongoing work
  parentPort.postMessage('ready');
}
