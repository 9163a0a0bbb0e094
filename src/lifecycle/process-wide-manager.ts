import { setExitErrorCreatedCallback } from '../errors.js';
import { createArmableExitManager } from './exit-manager.js';
import type { ArmableExitManager } from './exit-manager.js';
import { primeExitPath } from './prime-exit-path.js';
import { writeReportFile } from './report-file.js';

// One manager per process, shared by every copy of the package (the ESM and
// CommonJS builds, or two versions in node_modules): one listener per signal,
// one hook stack, every hook run once. The key names the API generation so an
// incompatible future major version would not pick this one up.
const PROCESS_MANAGER_KEY = Symbol.for('farewell.processManager@1');
/** The controller behind `shutdownSignal`, which the module exports at import, before any manager exists. */
const SHUTDOWN_CONTROLLER_KEY = Symbol.for('farewell.shutdownController@1');

/**
 * The controller behind the process-wide `shutdownSignal`. Creating the
 * manager at import costs about 1 ms (the exit sequence's objects, and
 * compiling their code), so the signal exists first and the manager takes
 * its controller over when it is created.
 */
export function sharedShutdownController(): AbortController {
  return ((globalThis as Record<symbol, AbortController | undefined>)[SHUTDOWN_CONTROLLER_KEY] ??= new AbortController());
}

// Creating an ExitError or a SystemExit arms the handling of uncaught errors
// (errors.ts), so that a thrown one is handled even with nothing else used.
setExitErrorCreatedCallback(() => processManager().arm());

/** The process-wide manager, created on first call; creating it installs nothing. */
export function processManager(): ArmableExitManager {
  const global = globalThis as Record<symbol, ArmableExitManager | undefined>;
  let manager = global[PROCESS_MANAGER_KEY];
  if (manager === undefined) {
    const created = createArmableExitManager({}, false, sharedShutdownController());
    created.onFirstArm = () => {
      primeExitPath();
      const reportPath = process.env.FAREWELL_REPORT;
      if (reportPath !== undefined && reportPath !== '') created.onExitReport(writeReportFile(reportPath));
    };
    global[PROCESS_MANAGER_KEY] = manager = created;
  }
  return manager;
}
