import { loadFs } from '../builtin-modules.js';
import type { ExitReport } from './exit-report.js';

/**
 * With FAREWELL_REPORT=path in the environment, the process-wide manager
 * writes the exit report there as JSON, just before the process ends, so an
 * operator can read afterwards why a pod took 28 s to stop. Written
 * synchronously: the process is about to end. node:fs is loaded now, when
 * the variable is found, so neither the import nor the exit pays for it.
 */
export function writeReportFile(path: string): (report: ExitReport) => void {
  const { writeFileSync } = loadFs();
  return (report) => writeFileSync(path, `${JSON.stringify(report, jsonValue, 2)}\n`);
}

/** Errors become `{ name, message, stack }` (JSON.stringify would give `{}`); bigints become strings. */
function jsonValue(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}
