/**
 * What started the exit sequence. Hooks receive it, and it is the `trigger`
 * of `shutdownSignal.reason`.
 *
 * - `exit`: `exit()` was called, or a `SystemExit` was thrown.
 * - `signal`: the process received a handled signal.
 * - `error`: an uncaught exception or unhandled rejection (including an `ExitError`).
 * - `natural`: the event loop emptied: the program simply ended.
 * - `process-exit`: `process.exit()` was called directly; hooks then run synchronously.
 * - `broken-pipe`: stdout's reader went away (`node app.js | head -1`).
 * - `request`: another part of the program asked for the exit with
 *   `requestExit()` (e.g. farewell/process when the parent process goes away).
 */
export type ExitTrigger =
  | { readonly kind: 'exit' }
  | { readonly kind: 'signal'; readonly signal: NodeJS.Signals }
  | { readonly kind: 'error'; readonly error: unknown; readonly origin: 'uncaughtException' | 'unhandledRejection' }
  | { readonly kind: 'natural' }
  | { readonly kind: 'process-exit' }
  | { readonly kind: 'broken-pipe' }
  | { readonly kind: 'request'; readonly source: string };

/** A phrase for messages: "SIGTERM", "exit()", "an uncaught exception"… */
export function describeTrigger(trigger: ExitTrigger): string {
  switch (trigger.kind) {
    case 'exit':
      return 'exit()';
    case 'signal':
      return trigger.signal;
    case 'error':
      return trigger.origin === 'unhandledRejection' ? 'an unhandled rejection' : 'an uncaught exception';
    case 'natural':
      return 'the end of the program';
    case 'process-exit':
      return 'process.exit()';
    case 'broken-pipe':
      return 'a closed stdout pipe';
    case 'request':
      return trigger.source;
  }
}
