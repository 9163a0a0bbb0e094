import { loadUtil } from './builtin-modules.js';

/**
 * A short, unambiguous rendering of a value for error messages: strings are
 * quoted, numbers keep their sign and special values (NaN, -0, Infinity), and
 * objects are shown one level deep.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'function') return `function ${value.name || '(anonymous)'}`;
  return loadUtil().inspect(value, { depth: 0, breakLength: Infinity, maxArrayLength: 5, maxStringLength: 80 });
}
