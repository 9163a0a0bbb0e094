import { setExitErrorCreatedCallback } from '../errors.js';
import { createArmableExitManager } from './exit-manager.js';
import type { ArmableExitManager, ExitManager } from './exit-manager.js';
import { primeExitPath } from './prime-exit-path.js';
import { writeReportFile } from './report-file.js';

// One manager per process, shared by every copy of the package (the ESM and
// CommonJS builds, or two versions in node_modules): one listener per signal,
// one hook stack, every hook run once. The key names the API generation so an
// incompatible future major version would not pick this one up.
const PROCESS_MANAGER_KEY = Symbol.for('farewell.processManager@1');

/** The process-wide manager, created on first call; creating it installs nothing. */
export function processManager(): ExitManager {
  const global = globalThis as Record<symbol, ArmableExitManager | undefined>;
  let manager = global[PROCESS_MANAGER_KEY];
  if (manager === undefined) {
    const created = createArmableExitManager({}, false);
    created.onFirstArm = () => {
      primeExitPath();
      const reportPath = process.env.FAREWELL_REPORT;
      if (reportPath !== undefined && reportPath !== '') created.onExitReport(writeReportFile(reportPath));
    };
    global[PROCESS_MANAGER_KEY] = manager = created;
    setExitErrorCreatedCallback(() => created.arm());
  }
  return manager;
}
