import { describeValue } from './describe-value.js';
import { isExitError, isSystemExit } from './errors.js';
import { FAILURE_STATUS, MAX_EXIT_STATUS, validateExitStatus } from './exit-status.js';

/** What `exit(value)` asks for, in Python's `sys.exit` terms. */
export interface ExitRequest {
  /** The status to exit with. */
  readonly status: number;
  /** A message to write to stderr, followed by a newline (`exit('message')`). */
  readonly message?: string;
  /** An error to print as an uncaught one would be (`exit(error)`). */
  readonly error?: unknown;
  /** Set when the argument was invalid: the exit still happens, with status 1, and this is thrown. */
  readonly problem?: TypeError | RangeError;
}

/**
 * Interprets the argument of `exit()`:
 * - nothing, `undefined` or `null`: `inheritedStatus` (a valid `process.exitCode`), else 0;
 * - an integer 0–255: that status;
 * - a string: the message is printed, status 1;
 * - an `ExitError` or `SystemExit`: its `exitCode`; other errors: `error.exitCode ?? 1`;
 * - anything else: a `problem`, status 1.
 */
export function resolveExitRequest(value: unknown, inheritedStatus: number | undefined): ExitRequest {
  if (value === undefined || value === null) return { status: inheritedStatus ?? 0 };
  if (typeof value === 'number') {
    try {
      return { status: validateExitStatus(value, 'status') };
    } catch (problem) {
      return { status: FAILURE_STATUS, problem: problem as RangeError };
    }
  }
  if (typeof value === 'string') return { status: FAILURE_STATUS, message: value };
  if (isSystemExit(value)) {
    // exitCode is checked by the constructor, but it can be changed afterwards:
    // the status is validated when it is used.
    try {
      return { status: validateExitStatus(value.exitCode, 'status.exitCode') };
    } catch (problem) {
      return { status: FAILURE_STATUS, problem: problem as RangeError };
    }
  }
  if (value instanceof Error || isExitError(value)) {
    const exitCode = (value as { exitCode?: unknown }).exitCode;
    if (exitCode === undefined) return { status: FAILURE_STATUS, error: value };
    try {
      return { status: validateExitStatus(exitCode, 'status.exitCode'), error: value };
    } catch (problem) {
      return { status: FAILURE_STATUS, error: value, problem: problem as RangeError };
    }
  }
  return {
    status: FAILURE_STATUS,
    problem: new TypeError(
      `status must be an integer from 0 to ${MAX_EXIT_STATUS}, a message string, an Error, null or undefined, got ${describeValue(value)}`,
    ),
  };
}

