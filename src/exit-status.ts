import { describeValue } from './describe-value.js';

/** wait(2) keeps 8 bits of a status: anything outside 0–255 would be silently wrapped. */
export const MAX_EXIT_STATUS = 255;

/** The status used when a failure has no status of its own (Node's uncaught-exception code). */
export const FAILURE_STATUS = 1;

/** An integer 0–255: a status wait(2) reports unchanged. */
export function isExitStatus(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_EXIT_STATUS;
}

/** Throws a TypeError or RangeError naming `parameter` unless `value` is an integer 0–255. */
export function validateExitStatus(value: unknown, parameter: string): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${parameter} must be an integer from 0 to ${MAX_EXIT_STATUS}, got ${describeValue(value)}`);
  }
  if (!isExitStatus(value)) {
    throw new RangeError(`${parameter} must be an integer from 0 to ${MAX_EXIT_STATUS}, got ${describeValue(value)}`);
  }
  return value;
}

/** The documented rule for a failed cleanup: it turns 0 into 1, so that the process never reports success; any other status stands. */
export function orFailure(status: number, cleanupFailed: boolean): number {
  return cleanupFailed && status === 0 ? FAILURE_STATUS : status;
}

/** `process.exitCode` as a status, or undefined when unset or not a valid status. */
export function normalizeExitCode(value: unknown): number | undefined {
  if (typeof value === 'string' && /^\d+$/.test(value)) value = Number(value);
  return isExitStatus(value) ? value : undefined;
}
