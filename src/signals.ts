import { loadOs } from './builtin-modules.js';
import { describeValue } from './describe-value.js';

/**
 * The signals handled unless configured otherwise. SIGTERM is never delivered
 * on Windows; SIGBREAK (Ctrl+Break) is its closest equivalent there.
 */
export function defaultSignals(platform: string): NodeJS.Signals[] {
  return platform === 'win32' ? ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK'] : ['SIGINT', 'SIGTERM', 'SIGHUP'];
}

/**
 * Signals the library refuses to handle, and why (research: node-platform-facts §3).
 */
const REFUSED_SIGNALS: Readonly<Record<string, string>> = {
  SIGKILL: 'it cannot be caught',
  SIGSTOP: 'it cannot be caught',
  SIGSEGV: 'it is not safe to handle in JavaScript (nodejs/node PR #8410)',
  SIGBUS: 'it is not safe to handle in JavaScript (nodejs/node PR #8410)',
  SIGFPE: 'it is not safe to handle in JavaScript (nodejs/node PR #8410)',
  SIGILL: 'it is not safe to handle in JavaScript (nodejs/node PR #8410)',
  SIGPROF: 'listening to it breaks profilers (tapjs/signal-exit#21)',
  SIGUSR1: 'Node.js reserves it to start the inspector (nodejs/node#19619)',
};

/** The number of a signal on this platform (SIGINT → 2), or undefined if unknown. */
export function signalNumber(signal: string): number | undefined {
  return (loadOs().constants.signals as Record<string, number | undefined>)[signal];
}

/** The name of signal number `number` on this platform (2 → SIGINT), or undefined if unknown. */
export function signalFromNumber(number: number): NodeJS.Signals | undefined {
  const table = loadOs().constants.signals as Record<string, number>;
  return Object.keys(table).find((name) => table[name] === number) as NodeJS.Signals | undefined;
}

/** The status a shell reports for a death by `signal`: 128 + its number. */
export function signalExitStatus(signal: string): number {
  return 128 + (signalNumber(signal) ?? 0);
}

/** A signal name known on this platform (`'SIGTERM'`), or a TypeError/RangeError naming `parameter`. */
export function validateSignalName(value: unknown, parameter: string): NodeJS.Signals {
  if (typeof value !== 'string') throw new TypeError(`${parameter} must be a signal name such as 'SIGTERM', got ${describeValue(value)}`);
  if (signalNumber(value) === undefined) throw new RangeError(`${parameter} is ${describeValue(value)}, which is not a signal on ${process.platform}`);
  return value as NodeJS.Signals;
}

/** Validates a list of signal names for `configure({ signals })`. */
export function validateSignals(value: unknown, parameter: string): NodeJS.Signals[] {
  if (!Array.isArray(value)) {
    throw new TypeError(`${parameter} must be an array of signal names, got ${describeValue(value)}`);
  }
  const signals: NodeJS.Signals[] = [];
  for (const [index, signal] of value.entries()) {
    if (typeof signal !== 'string') {
      throw new TypeError(`${parameter}[${index}] must be a signal name such as 'SIGTERM', got ${describeValue(signal)}`);
    }
    const refusal = REFUSED_SIGNALS[signal];
    if (refusal !== undefined) {
      throw new RangeError(`${parameter}[${index}] is ${signal}, which cannot be handled: ${refusal}`);
    }
    if (signalNumber(signal) === undefined) {
      throw new RangeError(`${parameter}[${index}] is ${describeValue(signal)}, which is not a signal on ${process.platform}`);
    }
    if (!signals.includes(signal as NodeJS.Signals)) signals.push(signal as NodeJS.Signals);
  }
  return signals;
}

/** What re-raising a signal needs of the process (a ProcessFacade has it all). */
export interface SignalTarget {
  readonly pid: number;
  readonly platform: string;
  on(event: string, listener: (...args: any[]) => void): void;
  off(event: string, listener: (...args: any[]) => void): void;
  listenerCount(event: string): number;
  kill(pid: number, signal: NodeJS.Signals): void;
}

/**
 * Sends `signal` to the process itself with its default action in place, so
 * that the process dies by it and its parent sees a signal death
 * (WIFSIGNALED): a shell stops a script on Ctrl+C only then (research:
 * cross-language §6.4). The re-raise is synchronous when nothing listens
 * (node-platform-facts §3). Returns whether the process may still die by it:
 * false when it could not be sent (Windows has no real signals, §10), or
 * when it was sent and nothing listens yet the process is still alive (the
 * kernel ignores it, e.g. PID 1 in a container); true when another listener
 * may absorb it. The caller exits with 128 + n when false, or after a short
 * grace when true.
 */
export function reraiseSignal(target: SignalTarget, signal: NodeJS.Signals): boolean {
  if (target.platform === 'win32') return false;
  // PID 1 ignores a signal it has no handler for (kill(2)): re-raising cannot
  // end it, and crashes Deno with SIGSEGV (docs/runtimes.md).
  if (target.pid === 1) return false;
  if (signal !== 'SIGKILL' && signal !== 'SIGSTOP' && target.listenerCount(signal) === 0) {
    // Removing the last listener makes libuv restore the default action.
    // SIGPIPE never had one (Node ignores it), so add and remove one.
    const reset = (): void => {};
    target.on(signal, reset);
    target.off(signal, reset);
  }
  try {
    target.kill(target.pid, signal);
  } catch {
    return false;
  }
  if (target.listenerCount(signal) > 0) return true;
  // Node delivers a signal sent to itself before kill() returns. Deno delivers
  // it from its signal thread a little later: block (nothing else may run
  // now) for at most 1 s, so that the process dies by it rather than by the
  // fallback exit with 128 + n.
  if (target.pid === process.pid && process.versions.deno !== undefined) waitBlocking(1000);
  return false;
}

function waitBlocking(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
