import { MAX_TIMER_MS } from '../validate-arguments.js';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a duration such as `10s`, `500ms`, `1.5s`, `2m`, `1h` into
 * milliseconds. A bare number is in seconds, as for GNU `timeout` and
 * `docker stop -t`. Returns undefined for anything else, zero, or more than
 * setTimeout can wait (about 24.8 days).
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) return undefined;
  const ms = Number(match[1]) * UNITS[match[2] ?? 's']!;
  return ms > 0 && ms <= MAX_TIMER_MS ? Math.round(ms) : undefined;
}

/** 10000 → "10s", 1500 → "1.5s", 250 → "250ms". */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms}ms` : `${Number((ms / 1000).toFixed(3))}s`;
}
