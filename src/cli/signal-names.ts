import { signalNumber } from '../signals.js';
import { constants } from 'node:os';

/** The signals the CLI forwards to the command. */
export const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2', 'SIGWINCH'];

/** Forwarded signals that also mean "stop": they start the --timeout. */
export const TERMINATING_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT']);

/**
 * A signal from its name (`TERM`, `SIGTERM`, `sigterm`) or number (`15`),
 * or undefined if this platform has no such signal.
 */
export function parseSignal(text: string): NodeJS.Signals | undefined {
  if (/^\d+$/.test(text)) {
    const number = Number(text);
    const name = Object.entries(constants.signals).find(([, value]) => value === number)?.[0];
    return name as NodeJS.Signals | undefined;
  }
  const upper = text.toUpperCase();
  const name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  return signalNumber(name) === undefined ? undefined : (name as NodeJS.Signals);
}
