import { loadOs } from '../builtin-modules.js';
import { debugLogEnabled } from '../debug-log.js';
import { describeValue } from '../describe-value.js';
import { SystemExit } from '../errors.js';
import { asRegistration, hookFor, notAHook } from '../hooks/disposable-hook.js';
import type { DisposableResource, ExitHook, ExitHookRegistration, OnExitOptions } from '../hooks/exit-hook.js';
import { formatError } from '../output/format-error.js';
import { nodeProcess } from '../process-facade.js';
import type { ProcessFacade } from '../process-facade.js';
import { FAILURE_STATUS, normalizeExitCode, validateExitStatus } from '../exit-status.js';
import { resolveExitRequest } from '../exit-request.js';
import { validateNonEmptyString, validateOptionsObject, validateTimeout } from '../validate-arguments.js';
import { defaultExitOptions, EXIT_OPTION_NAMES, mergeExitOptions } from './exit-options.js';
import type { ExitOptions } from './exit-options.js';
import { ExitSequence } from './exit-sequence.js';
import { ProcessListeners } from './process-listeners.js';
import type { ExitReport } from './exit-report.js';
import type { ExitPhase } from './exit-state.js';

/** Options of `createExitManager()`. */
export interface ExitManagerOptions extends ExitOptions {
  /** The process to act on. Default: the real one. See `createTestProcess()` in farewell/testing. */
  process?: ProcessFacade;
}

/**
 * The exit API bound to one process: what the module-level functions call on
 * the process-wide manager. Its functions work detached:
 * `const { onExit, exit } = createExitManager(…)`.
 */
export interface ExitManager {
  /** See the module-level `exit()`. */
  exit(status?: number | string | Error | null): never;
  /** See the module-level `exitNow()`. */
  exitNow(code?: number): never;
  /** See the module-level `onExit()`. */
  onExit(hook: ExitHook | DisposableResource, options?: OnExitOptions): ExitHookRegistration;
  /** See the module-level `configure()`. */
  configure(options: ExitOptions): void;
  /** See the module-level `requestExit()`. */
  requestExit(source: string, status?: number): boolean;
  /** See the module-level `reportFailure()`. */
  reportFailure(message: string): void;
  /** See the module-level `onExitReport()`. */
  onExitReport(listener: (report: ExitReport) => void): () => void;
  /** See the module-level `addToExitReport()`. */
  addToExitReport(source: string, data: unknown): void;
  /** Aborts when the exit sequence begins. */
  readonly shutdownSignal: AbortSignal;
  /** Where the exit sequence is. */
  readonly phase: ExitPhase;
}

/** The process-wide manager's extra: the library is in use (process-wide-manager.ts). */
export interface ArmableExitManager extends ExitManager {
  /** Installs what first use installs; calls `onFirstArm` the first time. */
  arm(): void;
  onFirstArm: (() => void) | undefined;
}

/** Creates an exit manager. Nothing is installed on the process until it is first used. */
export function createExitManager(options: ExitManagerOptions = {}): ExitManager {
  return createManager(options, false, new AbortController());
}

/**
 * The manager behind the module-level functions (process-wide-manager.ts),
 * or, `quiet`, the one of the dry run that writes no debug log (prime-exit-path.ts).
 */
export function createArmableExitManager(options: ExitManagerOptions, quiet: boolean, controller: AbortController): ArmableExitManager {
  return createManager(options, quiet, controller);
}

const MANAGER_OPTION_NAMES = ['process', ...EXIT_OPTION_NAMES];
const ON_EXIT_OPTION_NAMES = ['name', 'timeout', 'group'];

function createManager(options: unknown, quiet: boolean, controller: AbortController): ArmableExitManager {
  const { process: givenFacade, ...exitOptions } = validateOptionsObject(options, 'options', MANAGER_OPTION_NAMES);
  const facade = (givenFacade ?? nodeProcess()) as ProcessFacade;
  if (typeof facade !== 'object' || facade === null || typeof facade.exit !== 'function') {
    throw new TypeError(`options.process must be a process facade (see createTestProcess), got ${describeValue(facade)}`);
  }
  const sequence = new ExitSequence(facade, mergeExitOptions(defaultExitOptions(facade.platform), exitOptions, 'options'), quiet, controller);
  const listeners = new ProcessListeners(facade, sequence);
  sequence.onStateChange = () => listeners.update();

  const manager: ArmableExitManager = {
    onFirstArm: undefined,

    arm() {
      if (listeners.arm()) {
        loadOs(); // the signal table, loaded now rather than on the exit path
        debugLogEnabled(); // NODE_DEBUG, likewise
        sequence.report.prepare(); // the diagnostics channels, likewise
        manager.onFirstArm?.();
      }
    },

    exit(value?: unknown): never {
      const request = resolveExitRequest(value, normalizeExitCode(facade.getExitCode()));
      if (sequence.phase !== 'idle') {
        // Already exiting: the first status stands; still unwind the caller.
        throw sequence.markThrown(request.problem ?? new SystemExit(sequence.statusAsShown()));
      }
      manager.arm();
      if (request.problem) sequence.messages.log(`farewell: exit(): ${request.problem.message}; exiting with status 1\n${formatError(request.problem)}`);
      if (request.message !== undefined) sequence.messages.writeStderr(`${request.message}\n`);
      if (request.error !== undefined) sequence.messages.printError(request.error);
      sequence.start({ kind: 'exit' }, request.status, undefined, { afterUnwinding: true });
      throw sequence.markThrown(request.problem ?? new SystemExit(request.status));
    },

    exitNow(code?: unknown): never {
      let status = 0;
      if (code !== undefined) {
        try {
          status = validateExitStatus(code, 'code');
        } catch (problem) {
          sequence.messages.writeStderr(`farewell: exitNow(): ${(problem as Error).message}; exiting with status 1\n`);
          status = FAILURE_STATUS;
        }
      }
      sequence.ended();
      sequence.debug(() => `exitNow(${status}): ending at once, no hooks, no flush`);
      facade.exitImmediately(status);
      return undefined as never; // reached only with a test process
    },

    onExit(hookOrResource: ExitHook | DisposableResource, options: OnExitOptions = {}): ExitHookRegistration {
      const hook = hookFor(hookOrResource);
      if (hook === undefined) throw notAHook(hookOrResource);
      const { name, timeout, group } = validateOnExitOptions(options);
      if (sequence.phase !== 'idle' && sequence.phase !== 'hooks') {
        throw new Error(`onExit(): the exit sequence has already run its hooks (phase "${sequence.phase}"); this hook would never run`);
      }
      manager.arm();
      const registered = sequence.registry.add(hook.run, name ?? hook.name, timeout, group);
      listeners.update();
      let removed = false;
      return asRegistration(() => {
        if (removed) return;
        removed = true;
        sequence.registry.remove(registered);
        listeners.update();
      });
    },

    configure(options: ExitOptions): void {
      sequence.options = mergeExitOptions(sequence.options, options, 'options');
      manager.arm();
    },

    requestExit(source: string, status: number = 0): boolean {
      validateNonEmptyString(source, 'source');
      validateExitStatus(status, 'status');
      if (sequence.phase !== 'idle') return false;
      manager.arm();
      sequence.start({ kind: 'request', source }, status);
      return true;
    },

    reportFailure(message: string): void {
      if (typeof message !== 'string') throw new TypeError(`message must be a string, got ${describeValue(message)}`);
      sequence.failure(message);
    },

    onExitReport(listener: (report: ExitReport) => void): () => void {
      if (typeof listener !== 'function') throw new TypeError(`listener must be a function, got ${describeValue(listener)}`);
      manager.arm();
      return sequence.report.onReport(listener);
    },

    addToExitReport(source: string, data: unknown): void {
      validateNonEmptyString(source, 'source');
      sequence.report.addDetail(source, data);
    },

    get shutdownSignal() {
      return sequence.shutdownSignal;
    },

    get phase() {
      return sequence.phase;
    },
  };
  return manager;
}

function validateOnExitOptions(options: unknown): { name: string | undefined; timeout: number | undefined; group: string | undefined } {
  const given = validateOptionsObject(options, 'options', ON_EXIT_OPTION_NAMES);
  // Every key set, even when undefined: a missing one would be read through Object.prototype.
  return {
    name: given.name === undefined ? undefined : validateNonEmptyString(given.name, 'options.name'),
    timeout: given.timeout === undefined ? undefined : validateTimeout(given.timeout, 'options.timeout'),
    group: given.group === undefined ? undefined : validateNonEmptyString(given.group, 'options.group'),
  };
}
