import { createRequire } from 'node:module';

// Some built-ins are loaded only when first needed: importing node:tty pulls
// in net and all of streams, and costs more than the whole library (measured
// in bench/core/import-cost). So does an ESM import of node:fs, whose
// namespace loads fs streams (about 4 ms on Node 20), and so, on Node 22 and
// 24, does an ESM import of node:util. A require bound to any absolute path resolves
// built-ins, from ESM and CommonJS alike.
const requireBuiltin = createRequire('/');

let fs: typeof import('node:fs') | undefined;
let util: typeof import('node:util') | undefined;
let os: typeof import('node:os') | undefined;
let tty: typeof import('node:tty') | undefined;
let diagnosticsChannel: typeof import('node:diagnostics_channel') | null | undefined;

/** node:fs, loaded on first call. */
export function loadFs(): typeof import('node:fs') {
  return (fs ??= requireBuiltin('node:fs') as typeof import('node:fs'));
}

/** node:util, required on first call (already loaded by Node itself: this costs nothing but the namespace). */
export function loadUtil(): typeof import('node:util') {
  return (util ??= requireBuiltin('node:util') as typeof import('node:util'));
}

/** node:os, loaded on first call. */
export function loadOs(): typeof import('node:os') {
  return (os ??= requireBuiltin('node:os') as typeof import('node:os'));
}

/** node:tty, loaded on first call. */
export function loadTty(): typeof import('node:tty') {
  return (tty ??= requireBuiltin('node:tty') as typeof import('node:tty'));
}

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
