import type { DrainReport } from './drain-report.js';
import { debugLog } from '../index.js';

/**
 * The IPC messages between a program and the supervisor that started it
 * (the farewell CLI with `--listen`, or PM2 with `wait_ready`).
 *
 * - `'ready'`: this generation serves; the supervisor may stop the previous
 *   one. The string is PM2's convention (`process.send('ready')`), so a
 *   program written for `pm2 reload --wait-ready` works unchanged.
 * - `{ farewell: 'drained', … }`: what a drain did, for the CLI's one line
 *   per reload. Sent only to the farewell CLI, which says who it is in
 *   `FAREWELL_SUPERVISOR_PID` (checked against the parent pid, because
 *   environment variables are inherited by grandchildren).
 */
export interface DrainedMessage {
  readonly farewell: 'drained';
  readonly server: string;
  readonly outcome: DrainReport['outcome'];
  readonly durationMs: number;
  readonly requestsCompleted: number;
}

/** Whether an IPC message is a generation's drain report (read by the CLI's reload supervisor). */
export function isDrainedMessage(message: unknown): message is DrainedMessage {
  return typeof message === 'object' && message !== null && (message as DrainedMessage).farewell === 'drained' && typeof (message as DrainedMessage).requestsCompleted === 'number';
}

// Once per process, shared by the ESM and CommonJS copies of the package.
const READY_KEY = Symbol.for('farewell.http.readySent@1');

/**
 * Tells the supervisor that this process is ready to serve: sends `'ready'`
 * over the IPC channel, the message PM2's `wait_ready` and the farewell CLI
 * wait for before they stop the previous generation. Call it once the server
 * listens and whatever it needs (database pools, caches) is warm.
 *
 * The message leaves once the current turn of the event loop is over, that
 * is after the code that runs after `ready()` and before the process can
 * accept a connection: a program that calls `ready()` and then still works
 * synchronously for a while is not taken as ready before it can serve.
 *
 * Returns true when there is a supervisor to tell (an IPC channel), false
 * otherwise (started from a shell, by systemd, in a test), which is not an
 * error. Idempotent: the message is sent once per process.
 *
 * systemd's `sd_notify` (`READY=1` on `NOTIFY_SOCKET`) is not sent: it needs
 * a Unix datagram socket, which Node.js cannot open without native code
 * (research: reload-and-supervisors §A5; docs/reload.md has the alternatives).
 */
export function ready(): boolean {
  if (!hasChannel()) {
    debugLog(() => 'ready(): no IPC channel, no supervisor to tell');
    return false;
  }
  const global = globalThis as Record<symbol, boolean | undefined>;
  if (global[READY_KEY] === true) return true;
  global[READY_KEY] = true;
  debugLog(() => `ready(): sending 'ready' to the parent process ${process.ppid} once this turn of the event loop is over`);
  // Ready means "accepting now", and a process that calls ready() still has
  // work to do before its event loop can accept: the rest of its start-up code,
  // immediates queued earlier, a garbage collection. The supervisor stops the
  // old generation the moment the message arrives, so sent at once it left
  // no process accepting on the shared socket for 10 ms on an idle machine and
  // 20-60 ms on a loaded one, and every connection that came meanwhile waited
  // (bench/cli/reload with BENCH_TRACE; docs/benchmarks.md#reload-under-load).
  // An immediate runs after all of that and before the loop's next poll.
  setImmediate(() => send('ready'));
  return true;
}

/** Sends a drain's numbers to the farewell CLI, if that is what started this process. */
export function tellSupervisorDrained(report: DrainReport): void {
  if (!hasChannel() || process.env.FAREWELL_SUPERVISOR_PID !== String(process.ppid)) return;
  const message: DrainedMessage = {
    farewell: 'drained',
    server: report.server,
    outcome: report.outcome,
    durationMs: Math.round(report.durationMs),
    requestsCompleted: report.requestsCompleted,
  };
  send(message);
}

function hasChannel(): boolean {
  return typeof process.send === 'function' && process.connected;
}

function send(message: unknown): void {
  // With a callback, a failure (the supervisor went away) is passed here
  // instead of becoming an 'error' event on process.
  process.send!(message, undefined, {}, (error: Error | null) => {
    if (error) debugLog(() => `IPC message to the supervisor not sent: ${error.message}`);
  });
}
