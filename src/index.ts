/**
 * farewell: terminate a Node.js program gracefully.
 *
 * Importing this module installs nothing: no listener, no timer. Listeners
 * are installed on first use (`onExit`, `exit`, `configure`, or creating an
 * `ExitError`).
 */
import type { ExitOptions } from './lifecycle/exit-options.js';
import type { DisposableResource, ExitHook, ExitHookRegistration, OnExitOptions } from './hooks/exit-hook.js';
import type { ExitReport } from './lifecycle/exit-report.js';
import { processManager, sharedShutdownController } from './lifecycle/process-wide-manager.js';

export { SystemExit, ExitError, ExitStartedError } from './errors.js';
export type { ExitErrorOptions } from './errors.js';
export { createExitManager } from './lifecycle/exit-manager.js';
export type { ExitManager, ExitManagerOptions } from './lifecycle/exit-manager.js';
export type { ExitPhase } from './lifecycle/exit-state.js';
export type { ExitOptions, SignalExit } from './lifecycle/exit-options.js';
export { DEFAULT_TIMEOUT_MS } from './lifecycle/exit-options.js';
export type { ExitTrigger } from './exit-trigger.js';
export type { DisposableResource, ExitContext, ExitHook, ExitHookRegistration, OnExitOptions } from './hooks/exit-hook.js';
export type { OutputStream, ProcessFacade, TimerHandle } from './process-facade.js';
export { debugLog } from './debug-log.js';
export { CHANNELS as exitChannels } from './lifecycle/exit-report.js';
export type { ExitReport, FlushReport, HookReport } from './lifecycle/exit-report.js';
export type { ProcessEnd } from './lifecycle/end-process.js';

/**
 * Ends the program gracefully, like Python's `sys.exit()`: starts the exit
 * sequence (hooks, flush of stdout/stderr, exit), then throws a `SystemExit`
 * so the caller's stack unwinds and its `finally` blocks run. Catching the
 * `SystemExit` does not cancel the exit.
 *
 * - `exit()` / `exit(null)`: status 0, or `process.exitCode` if the program set one;
 * - `exit(n)`: status n, an integer 0–255;
 * - `exit('message')`: the message and a newline on stderr, status 1;
 * - `exit(error)`: the error printed as an uncaught one would be, status `error.exitCode ?? 1`
 *   (an `ExitError` prints only its message).
 *
 * Called again while exiting, the first status stands (it still throws).
 * An invalid argument throws a `TypeError`/`RangeError` instead of the
 * `SystemExit`, and the process still exits, with status 1.
 */
export function exit(status?: number | string | Error | null): never {
  return processManager().exit(status);
}

/**
 * Ends the process at once with `code` (default 0), like Python's
 * `os._exit()`: no hooks, no `'exit'` listeners, no flushing of stdout or
 * stderr. Never throws: an invalid code is reported on stderr and replaced by 1.
 */
export function exitNow(code?: number): never {
  return processManager().exitNow(code);
}

/**
 * Registers an exit hook, like Python's `atexit.register`, and returns a
 * function that unregisters it (idempotent, safe inside a running hook). The
 * function is also a `Disposable`: `using registration = onExit(hook)`
 * unregisters at the end of the scope.
 *
 * Instead of a function, give a disposable resource (anything with
 * `[Symbol.asyncDispose]()` or `[Symbol.dispose]()`, an
 * `AsyncDisposableStack`): it is disposed of at exit with the same order,
 * timeout and failure rules as a hook, named after its class.
 *
 * Hooks run on every exit path (`exit()`, handled signals, uncaught errors,
 * the natural end of the program), newest first, one after another; hooks
 * sharing `options.group` run concurrently. A hook may be async; it receives
 * `{ trigger, exitCode, signal }`, where `signal` aborts when its time is up.
 * A hook that throws, rejects or times out is reported on stderr with its
 * name, and the others still run. When `process.exit()` is called directly,
 * hooks run synchronously and promises they return cannot be awaited.
 *
 * Registering the first hook installs the signal listeners; removing the last
 * one removes them, so Node's default signal behaviour returns.
 */
export function onExit(hook: ExitHook | DisposableResource, options?: OnExitOptions): ExitHookRegistration {
  return processManager().onExit(hook, options);
}

/**
 * Changes the process-wide settings; omitted options keep their value.
 * Defaults: `signals` SIGINT, SIGTERM, SIGHUP (+ SIGBREAK on Windows);
 * `timeout` 10000 ms; `signalExit` `'signal'`; `handleErrors` true;
 * `logger` writes to stderr. Throws a TypeError/RangeError for a bad or unknown option.
 */
export function configure(options: ExitOptions): void {
  processManager().configure(options);
}

/**
 * Starts the exit sequence without throwing, for code that is not on the
 * stack of the program's main flow: an event handler, a message from a
 * parent, a health check that gave up. The trigger is
 * `{ kind: 'request', source }`, and `source` names it in messages
 * ("exit started by the parent process going away"). `status` defaults to 0.
 * Returns false, and changes nothing, when an exit is already under way.
 */
export function requestExit(source: string, status?: number): boolean {
  return processManager().requestExit(source, status);
}

/**
 * Reports a cleanup failure that your code handled itself (a child that had
 * to be killed, requests cut at a drain timeout, a flush that gave up): the
 * message goes to the configured logger (default stderr) and, as for a
 * failing hook, a status of 0 becomes 1. Call it from inside an exit hook.
 */
export function reportFailure(message: string): void {
  processManager().reportFailure(message);
}

/**
 * Calls `listener` with the exit report just before the process ends: what
 * started the exit, each hook with its timing and outcome, the flush, what
 * forced it, and how the process ends. Synchronous, like an `'exit'`
 * listener: write files with `writeFileSync`. Not called after `exitNow()`.
 * Returns a function that unsubscribes. Tracing tools can use the
 * diagnostics channels instead (`exitChannels`). With `FAREWELL_REPORT=path`
 * in the environment, the report is written there as JSON.
 */
export function onExitReport(listener: (report: ExitReport) => void): () => void {
  return processManager().onExitReport(listener);
}

/**
 * Adds `data` to the exit report under `source` (farewell/http adds each
 * server's drain report, farewell/process each child it had to stop). Added
 * before the exit starts, it is kept for the exit.
 */
export function addToExitReport(source: string, data: unknown): void {
  processManager().addToExitReport(source, data);
}

/**
 * Aborts when the exit sequence begins, whatever started it; its `reason` is
 * an `ExitStartedError` (name `'AbortError'`) whose `trigger` says why.
 * Pass it to `fetch`, streams and loops so long-running work stops promptly:
 * the Node.js counterpart of Python's `KeyboardInterrupt`. Signals abort it
 * while the library handles them, i.e. while at least one exit hook is registered.
 */
export const shutdownSignal: AbortSignal = sharedShutdownController().signal;
