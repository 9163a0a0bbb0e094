import { request } from 'node:http';
import type { Generation } from './generation.js';
import { acceptedByOneOf } from './socket-owner.js';
import { debugLog } from '../index.js';

/** Poll schedule: first after 25 ms, then doubling up to 250 ms; each try may take 2 s. */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 250;
const REQUEST_TIMEOUT_MS = 2000;

/**
 * Resolves once `url` answers 200 **from `generation`** (a process of its
 * tree accepted the connection), or when `signal` aborts. While the old
 * generation still accepts on the same socket, the kernel gives each
 * connection to whichever process accepts first: an answer from the old one
 * proves nothing and is retried. Where /proc cannot tell who answered
 * (not Linux), any 200 counts (docs/reload.md says so).
 */
export async function waitForReadyUrl(url: URL, generation: Generation, signal: AbortSignal): Promise<void> {
  let delay = FIRST_POLL_MS;
  for (let attempt = 1; !signal.aborted; attempt++) {
    const outcome = await tryOnce(url, generation);
    debugLog(() => `${generation}: --ready-url try ${attempt}: ${outcome}`);
    if (outcome === 'ready') return;
    await sleep(delay, signal);
    delay = Math.min(delay * 2, MAX_POLL_MS);
  }
}

function tryOnce(url: URL, generation: Generation): Promise<string> {
  return new Promise((resolve) => {
    // No agent: one fresh connection per try. Keep-alive: the server keeps the
    // connection open after answering, so its owner can still be looked up.
    const req = request(url, { agent: false, headers: { connection: 'keep-alive' }, timeout: REQUEST_TIMEOUT_MS }, (res) => {
      let outcome: string;
      if (res.statusCode !== 200) {
        outcome = `status ${res.statusCode}`;
      } else {
        const serverPort = Number(url.port || 80);
        const clientPort = res.socket.localPort;
        const ours = clientPort === undefined ? undefined : acceptedByOneOf(generation.pids(), serverPort, clientPort);
        outcome = ours === false ? '200 from another process (the old generation)' : 'ready';
      }
      res.resume();
      req.destroy();
      resolve(outcome);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
