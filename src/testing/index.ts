/**
 * farewell/testing: unit-test shutdown logic without exiting the test runner.
 * Pair `createTestProcess()` with `createExitManager({ process })`.
 */
export { createTestProcess } from './test-process.js';
export type { TestProcess, TestProcessEnd, TestProcessOptions } from './test-process.js';
export { createExitManager } from '../index.js';
