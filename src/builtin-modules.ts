import { createRequire } from 'node:module';

// Some built-ins are loaded only when first needed: importing node:tty pulls
// in net and all of streams, and costs more than the whole library (measured
// in bench/core/import-cost). So does an ESM import of node:fs, whose
// namespace loads fs streams (about 4 ms on Node 20), and so, on Node 22 and
// 24, does an ESM import of node:util. A require bound to any absolute path
// resolves built-ins, from ESM and CommonJS alike.
const requireBuiltin = createRequire('/');

/** A loader of the built-in `id`: required on its first call, then the same module. */
function lazyBuiltin<T>(id: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= requireBuiltin(id) as T);
}

/** node:fs, loaded on first call. */
export const loadFs = lazyBuiltin<typeof import('node:fs')>('node:fs');
/** node:util, required on first call (Node has loaded it already: only the ESM namespace would cost). */
export const loadUtil = lazyBuiltin<typeof import('node:util')>('node:util');
/** node:os, loaded on first call. */
export const loadOs = lazyBuiltin<typeof import('node:os')>('node:os');
/** node:tty, loaded on first call. */
export const loadTty = lazyBuiltin<typeof import('node:tty')>('node:tty');

let diagnosticsChannel: typeof import('node:diagnostics_channel') | null | undefined;

/**
 * Whether node:tty is loaded already. Until it is, no terminal stream exists,
 * so nobody can have put the terminal in raw mode. (process.moduleLoadList is
 * undocumented but present in every supported version; without it, assume yes.)
 */
export function isTtyLoaded(): boolean {
  const loaded = (process as { moduleLoadList?: readonly string[] }).moduleLoadList;
  return loaded === undefined || loaded.includes('NativeModule tty');
}

/** node:diagnostics_channel, loaded on first call; undefined where a runtime lacks it. */
export function loadDiagnosticsChannel(): typeof import('node:diagnostics_channel') | undefined {
  if (diagnosticsChannel === undefined) {
    try {
      diagnosticsChannel = requireBuiltin('node:diagnostics_channel') as typeof import('node:diagnostics_channel');
    } catch {
      diagnosticsChannel = null;
    }
  }
  return diagnosticsChannel ?? undefined;
}
