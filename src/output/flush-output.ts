import type { OutputStream, ProcessFacade } from '../process-facade.js';

/** How a stream's flush ended. `closed` covers EPIPE and destroyed streams: nothing more can be delivered. */
export type FlushResult = 'flushed' | 'closed' | 'timed-out';

/**
 * Resolves once `stream` has handed everything queued before this call to the
 * operating system, or can accept nothing more.
 *
 * Writes to pipes are asynchronous on POSIX, and `process.exit()` drops what
 * is still queued: 64 KiB arrive of 10 MB sent into a slow pipe
 * (node-platform-facts §1). An empty write is a barrier: its callback runs
 * after every earlier write completed. On Bun it does not wait, nor does
 * 'drain' reach a waiter whose own write did not return false (§11b): there
 * the native sink behind the stream is flushed and waited for.
 */
export function waitForFlush(stream: OutputStream): Promise<Exclude<FlushResult, 'timed-out'>> {
  if (stream.destroyed || stream.writableEnded === true) return Promise.resolve('closed');
  if (isFlushed(stream)) return Promise.resolve('flushed');
  return new Promise((resolve) => {
    let waiting = 1;
    const finish = (result: 'flushed' | 'closed'): void => {
      if (waiting === 0) return;
      if (result === 'flushed' && --waiting > 0) return;
      waiting = 0;
      stream.removeListener('error', onClosed);
      stream.removeListener('close', onClosed);
      stream.removeListener('drain', onDrain);
      resolve(result);
    };
    const onClosed = (): void => finish('closed');
    const onDrain = (): void => finish('flushed');
    stream.once('error', onClosed);
    stream.once('close', onClosed);
    if (stream.writableNeedDrain === true) {
      waiting++;
      stream.once('drain', onDrain);
    }
    const sink = bunSink(stream);
    const sinkFlushed = sink === undefined ? undefined : flushBunSink(sink);
    if (sinkFlushed !== undefined) {
      waiting++;
      sinkFlushed.then(() => finish('flushed'), onClosed);
    }
    try {
      stream.write('', (error) => finish(error ? 'closed' : 'flushed'));
    } catch {
      finish('closed');
    }
  });
}

/**
 * On Node, a stream's write callback runs only once libuv has handed the
 * bytes to the kernel, so `writableLength` 0 means nothing is queued anywhere
 * (node-platform-facts §11b). Bun reports 0 too early: there its sink must
 * say so too, and without a sink the barrier is always used.
 */
function isFlushed(stream: OutputStream): boolean {
  if (stream.writableLength !== 0 || stream.writableNeedDrain === true) return false;
  if (process.versions.bun === undefined) return true;
  const sink = bunSink(stream);
  if (sink === undefined) return false;
  const pending = flushBunSink(sink);
  // waitForFlush() flushes again and handles the outcome.
  pending?.catch(() => {});
  return pending === undefined;
}

/** The part of Bun's native FileSink used here. */
interface BunSink {
  flush(): unknown;
}

/**
 * Bun writes process.stdout and process.stderr through a native FileSink
 * kept under an internal symbol, outside the stream's Writable state. Its
 * flush() is what Bun's own process.stdout.end() waits for (oven-sh/bun#28635).
 * Internal to Bun: if it moves, this finds nothing, and the test that sends
 * 10 MiB into a slow pipe under Bun fails in CI (docs/runtimes.md).
 */
function bunSink(stream: OutputStream): BunSink | undefined {
  if (process.versions.bun === undefined) return undefined;
  const symbol = Object.getOwnPropertySymbols(stream).find((candidate) => candidate.description === 'kWriteStreamFastPath');
  const sink = symbol === undefined ? undefined : (stream as unknown as Record<symbol, unknown>)[symbol];
  return typeof sink === 'object' && sink !== null && typeof (sink as BunSink).flush === 'function' ? (sink as BunSink) : undefined;
}

/** A promise that settles once the sink has written all it queued (rejects if it cannot); undefined when nothing is queued. */
function flushBunSink(sink: BunSink): Promise<unknown> | undefined {
  try {
    const result = sink.flush();
    return result instanceof Promise ? result : undefined;
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * After a forced end (second signal, error during cleanup, deadline), how long
 * stdout/stderr may still take to hand over what is queued. Short on purpose:
 * the user asked to stop now.
 */
export const FINAL_FLUSH_MS = 100;

/** Flushes stdout and stderr together, giving up after `budgetMs`. */
export async function flushOutput(
  facade: ProcessFacade,
  budgetMs: number,
): Promise<{ stdout: FlushResult; stderr: FlushResult }> {
  const { stdout, stderr } = facade;
  if ((stdout.destroyed || isFlushed(stdout)) && (stderr.destroyed || isFlushed(stderr))) {
    return { stdout: stdout.destroyed ? 'closed' : 'flushed', stderr: stderr.destroyed ? 'closed' : 'flushed' };
  }
  let timer: unknown;
  const timeout = new Promise<'timed-out'>((resolve) => {
    // Unref'd: a pending pipe write keeps the process alive by itself.
    timer = facade.setTimer(() => resolve('timed-out'), Math.max(0, budgetMs), { ref: false });
  });
  try {
    const [stdout, stderr] = await Promise.all([
      Promise.race([waitForFlush(facade.stdout), timeout]),
      Promise.race([waitForFlush(facade.stderr), timeout]),
    ]);
    return { stdout, stderr };
  } finally {
    facade.clearTimer(timer);
  }
}

/**
 * Bytes written to `stream` that the operating system has not received yet.
 * `writableLength` counts the chunk being written until all of it is
 * written, although part of it may be in the pipe already (measured: 2 MiB
 * "queued" of which 64 KiB were delivered); libuv's `writeQueueSize` is the
 * part of that chunk still to go.
 */
export function undeliveredBytes(stream: OutputStream): number {
  const internals = stream as OutputStream & {
    _writableState?: { length: number; writing: boolean; writelen: number };
    _handle?: { writeQueueSize?: number } | null;
  };
  const state = internals._writableState;
  const inLibuv = internals._handle?.writeQueueSize;
  if (state === undefined || !state.writing || typeof inLibuv !== 'number') return stream.writableLength ?? 0;
  return state.length - state.writelen + inLibuv;
}
