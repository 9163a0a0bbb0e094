import { signalFromNumber, signalNumber } from '../signals.js';

/** The signals the CLI forwards to the command. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Forwarded signals that also mean "stop": they start the --timeout. */
export const TERMINATING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/**
 * A signal from its name (`TERM`, `SIGTERM`, `sigterm`) or number (`15`),
 * or undefined if this platform has no such signal. The shorthands are the
 * CLI's own; which signals exist is `signalNumber()`'s table, as everywhere.
 */
export function parseSignal(text: string): NodeJS.Signals | undefined {
  if (/^\d+$/.test(text)) return signalFromNumber(Number(text));
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return signalNumber(name) === undefined ? undefined : (name as NodeJS.Signals);
}
