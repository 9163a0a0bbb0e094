import { MAX_TIMER_MS } from '../validate-arguments.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A parsed duration in whole milliseconds, or why the text is not one. */
export type ParsedDuration = { readonly ms: number } | { readonly problem: string };

/**
 * Parses a duration such as `10s`, `500ms`, `1.5s`, `2m`, `1h` into whole
 * milliseconds. A bare number is in seconds, as for GNU `timeout` and
 * `docker stop -t`. The limits apply after rounding: `0.4ms` would become 0
 * (a kill at once), so it is refused like `0`; the largest is what
 * setTimeout can wait (about 24.8 days).
 */
export function parseDuration(text: string): ParsedDuration {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) return { problem: 'expected a duration such as 10s, 500ms or 2m, more than 0' };
  const exact = Number(match[1]) * UNITS[match[2] ?? 's']!;
  const ms = Math.round(exact);
  if (exact === 0) return { problem: 'expected a duration such as 10s, 500ms or 2m, more than 0' };
  if (ms < 1) return { problem: `it rounds to 0 milliseconds; the smallest is 1ms` };
  if (ms > MAX_TIMER_MS) return { problem: `the largest is ${MAX_TIMER_MS}ms (about 24.8 days)` };
  return { ms };
}
