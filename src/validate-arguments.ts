import { describeValue } from './describe-value.js';

/** setTimeout's largest delay; a longer one fires at once (with a warning). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Checks that `options` is an object naming only `names`, and returns a copy
 * of its own enumerable properties in an object without a prototype.
 * An unknown name is an error: a typo (`timout`) must not pass silently.
 *
 * Only own properties count, and the copy is what the caller reads: an
 * option inherited from a prototype (`Object.create({ timeout: 50 })`), or
 * planted on `Object.prototype` by a prototype-pollution bug anywhere in the
 * application, must not change how the exit behaves.
 */
export function validateOptionsObject(options: unknown, parameter: string, names: readonly string[]): Readonly<Record<string, unknown>> {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${parameter} must be an object, got ${describeValue(options)}`);
  }
  const own: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(options)) {
    if (!names.includes(key)) throw new TypeError(`${parameter}.${key} is not an option; the options are: ${names.join(', ')}`);
    own[key] = (options as Record<string, unknown>)[key];
  }
  return own;
}

/** A duration in milliseconds: a number more than 0 and at most setTimeout's limit. */
export function validateTimeout(value: unknown, parameter: string): number {
  if (typeof value !== 'number') {
    throw new TypeError(`${parameter} must be a number of milliseconds, got ${describeValue(value)}`);
  }
  if (!(value > 0 && value <= MAX_TIMER_MS)) {
    throw new RangeError(`${parameter} must be more than 0 and at most ${MAX_TIMER_MS} milliseconds, got ${describeValue(value)}`);
  }
  return value;
}

/** A name or label: a string that is not empty. */
export function validateNonEmptyString(value: unknown, parameter: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`${parameter} must be a non-empty string, got ${describeValue(value)}`);
  }
  return value;
}
