import { describeValue } from '../describe-value.js';
import { validateTimeout } from '../validate-arguments.js';

/** Default time a process has to stop after the stop signal before it is killed. */
export const DEFAULT_STOP_TIMEOUT_MS = 5000;

/** An optional duration option: validated when given, `defaultMs` when absent. */
export function optionalTimeout(value: unknown, parameter: string, defaultMs: number): number {
  return value === undefined ? defaultMs : validateTimeout(value, parameter);
}

/** The optional `signal` option of every stop: an AbortSignal, or undefined. */
export function optionalAbortSignal(value: unknown, parameter: string): AbortSignal | undefined {
  if (value !== undefined && !(value instanceof AbortSignal)) {
    throw new TypeError(`${parameter} must be an AbortSignal, got ${describeValue(value)}`);
  }
  return value;
}

/** The optional `tree` option: a boolean, or undefined. */
export function optionalBoolean(value: unknown, parameter: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw new TypeError(`${parameter} must be a boolean, got ${describeValue(value)}`);
  return value;
}
