import { describeValue } from '../describe-value.js';
import { defaultSignals, validateSignals } from '../signals.js';
import { validateExitStatus } from '../exit-status.js';
import { validateOptionsObject, validateTimeout } from '../validate-arguments.js';

/**
 * How the process ends after a signal started the exit.
 * - `'signal'` (default): die by the same signal after cleanup, so a parent
 *   sees it (`child.signalCode`, WIFSIGNALED) and a shell stops a script on
 *   Ctrl+C. If the process is still alive shortly after (another listener
 *   absorbed the signal, or it runs as PID 1), exit with 128 + signal number.
 * - `'code'`: always exit with status 128 + signal number (130 for SIGINT, 143 for SIGTERM).
 * - a number 0–255: always exit with that status (e.g. 0 for orchestrators that report 143 as an error).
 */
export type SignalExit = 'signal' | 'code' | number;

/** Options of `configure()` and `createExitManager()`. Every one is optional. */
export interface ExitOptions {
  /** The signals that start the exit. Default `['SIGINT', 'SIGTERM', 'SIGHUP']` (plus `'SIGBREAK'` on Windows). */
  signals?: readonly NodeJS.Signals[];
  /** The global deadline in milliseconds, counted from the start of the exit: hooks and flushing must fit in it. Default 10000. */
  timeout?: number;
  /** How a signal-started exit ends. Default `'signal'`. */
  signalExit?: SignalExit;
  /**
   * Turn uncaught exceptions and unhandled rejections into a graceful exit
   * (hooks run, the error is printed, status 1). Default true. Set false if
   * your application handles them itself; errors thrown while exiting are
   * still handled.
   */
  handleErrors?: boolean;
  /**
   * Receives the library's messages (one string each, no trailing newline):
   * failing hooks, the deadline report, forced exits. Default: writes them to
   * stderr. Output requested by the program (`exit('message')`) always goes to stderr.
   */
  logger?: (message: string) => void;
}

/** ExitOptions with every default filled in. */
export interface ResolvedExitOptions {
  readonly signals: readonly NodeJS.Signals[];
  readonly timeout: number;
  readonly signalExit: SignalExit;
  readonly handleErrors: boolean;
  readonly logger: ((message: string) => void) | undefined;
}

/** The global exit deadline when `configure({ timeout })` does not set one: 10 s, Docker's default stop grace period. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Every option at its default, for `platform` (its default signals differ on Windows). */
export function defaultExitOptions(platform: string): ResolvedExitOptions {
  return {
    signals: defaultSignals(platform),
    timeout: DEFAULT_TIMEOUT_MS,
    signalExit: 'signal',
    handleErrors: true,
    logger: undefined,
  };
}

/** The names `configure()` accepts. */
export const EXIT_OPTION_NAMES = ['signals', 'timeout', 'signalExit', 'handleErrors', 'logger'];

/** Merges validated `options` over `current`. Unknown option names are errors (a typo must not pass silently). */
export function mergeExitOptions(current: ResolvedExitOptions, options: unknown, parameter: string): ResolvedExitOptions {
  const given = validateOptionsObject(options, parameter, EXIT_OPTION_NAMES);
  const merged = { ...current };
  if (given.signals !== undefined) merged.signals = validateSignals(given.signals, `${parameter}.signals`);
  if (given.timeout !== undefined) merged.timeout = validateTimeout(given.timeout, `${parameter}.timeout`);
  if (given.signalExit !== undefined) {
    const value = given.signalExit;
    if (value !== 'signal' && value !== 'code') {
      if (typeof value !== 'number') {
        throw new TypeError(`${parameter}.signalExit must be 'signal', 'code' or an exit status 0–255, got ${describeValue(value)}`);
      }
      validateExitStatus(value, `${parameter}.signalExit`);
    }
    merged.signalExit = value;
  }
  if (given.handleErrors !== undefined) {
    if (typeof given.handleErrors !== 'boolean') {
      throw new TypeError(`${parameter}.handleErrors must be a boolean, got ${describeValue(given.handleErrors)}`);
    }
    merged.handleErrors = given.handleErrors;
  }
  if (given.logger !== undefined) {
    if (typeof given.logger !== 'function') {
      throw new TypeError(`${parameter}.logger must be a function (message: string) => void, got ${describeValue(given.logger)}`);
    }
    merged.logger = given.logger as (message: string) => void;
  }
  return merged;
}
