import { describeValue } from './describe-value.js';
import { validateExitStatus } from './exit-status.js';
import type { ExitTrigger } from './exit-trigger.js';

// Two copies of the package in one process (ESM + CommonJS builds, or two
// versions in node_modules) define two classes of each name. The process-wide
// exit manager is shared between them, so it recognises these errors by a
// brand registered with Symbol.for rather than by class identity.
const SYSTEM_EXIT_BRAND = Symbol.for('farewell.SystemExit');
const EXIT_ERROR_BRAND = Symbol.for('farewell.ExitError');

/** Called when an ExitError is constructed, so that uncaught ones are handled. */
const EXIT_ERROR_CREATED = Symbol.for('farewell.onExitErrorCreated');

function hasBrand(value: unknown, brand: symbol): boolean {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[brand] === true;
}

/**
 * Thrown by `exit()` after it has started the exit sequence, so that the
 * caller's stack unwinds and its `finally` blocks and `using` disposals run
 * (Python's `SystemExit`). Catching it does not cancel the exit.
 *
 * Thrown by your own code while no exit is under way, it starts one with its
 * `exitCode`, printing nothing (like `raise SystemExit(n)`).
 */
export class SystemExit extends Error {
  /** The status the process exits with. */
  readonly exitCode: number;

  /** @param exitCode integer 0–255, default 0. */
  constructor(exitCode: number = 0) {
    validateExitStatus(exitCode, 'exitCode');
    super(`Exiting with status ${exitCode}`);
    this.exitCode = exitCode;
    // Thrown by hand with nothing else of the library used, it must still
    // end the program with its status, not as an uncaught error (status 1).
    notifyCreated();
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SystemExit) return Function.prototype[Symbol.hasInstance].call(this, value);
    return hasBrand(value, SYSTEM_EXIT_BRAND);
  }
}
Object.defineProperty(SystemExit.prototype, 'name', { value: 'SystemExit', writable: true, configurable: true });
Object.defineProperty(SystemExit.prototype, SYSTEM_EXIT_BRAND, { value: true });

/** Options of the `ExitError` constructor. */
export interface ExitErrorOptions {
  /** The exit status, an integer 0–255. Default 1. Subclasses may set it as a class field instead. */
  exitCode?: number;
  /** The underlying error, as for `Error`. */
  cause?: unknown;
}

/**
 * The base class for errors that mean "stop the program with this status":
 * an expected stop, not a bug. Uncaught (or passed to `exit()`), it exits
 * gracefully with its `exitCode`, printing only its message.
 *
 * ```ts
 * class ConfigError extends ExitError { exitCode = 78 } // EX_CONFIG
 * throw new ConfigError('PORT must be a number');
 * ```
 */
export class ExitError extends Error {
  /** The status the process exits with. Default 1. */
  exitCode: number;

  constructor(message?: string, options: ExitErrorOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`options must be an object, got ${describeValue(options)}`);
    }
    // Own properties only: a polluted Object.prototype must not set a status.
    const exitCode = Object.hasOwn(options, 'exitCode') && options.exitCode !== undefined ? options.exitCode : 1;
    validateExitStatus(exitCode, 'options.exitCode');
    super(message, Object.hasOwn(options, 'cause') ? { cause: options.cause } : undefined);
    this.exitCode = exitCode;
    this.name = new.target.name;
    // Creating one means the program may throw it: make sure an uncaught one is
    // turned into a graceful exit even if no hook was ever registered.
    notifyCreated();
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== ExitError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return hasBrand(value, EXIT_ERROR_BRAND);
  }
}
Object.defineProperty(ExitError.prototype, EXIT_ERROR_BRAND, { value: true });

/**
 * The `reason` of `shutdownSignal` once the exit sequence has begun. Its
 * `name` is `'AbortError'`, so code that ignores aborts keeps working.
 */
export class ExitStartedError extends Error {
  /** What started the exit. */
  readonly trigger: ExitTrigger;

  constructor(message: string, trigger: ExitTrigger) {
    super(message);
    this.trigger = trigger;
  }
}
Object.defineProperty(ExitStartedError.prototype, 'name', { value: 'AbortError', writable: true, configurable: true });

/** Arms the handling of uncaught errors: a SystemExit or ExitError was created, so it may be thrown. */
function notifyCreated(): void {
  const onCreated = (globalThis as Record<symbol, unknown>)[EXIT_ERROR_CREATED];
  if (typeof onCreated === 'function') onCreated();
}

/** A SystemExit from any copy of the package (checked by brand, not by class). */
export function isSystemExit(value: unknown): value is SystemExit {
  return hasBrand(value, SYSTEM_EXIT_BRAND);
}

/** An ExitError (or subclass) from any copy of the package (checked by brand, not by class). */
export function isExitError(value: unknown): value is ExitError {
  return hasBrand(value, EXIT_ERROR_BRAND);
}

/** Lets the process-wide manager learn that ExitErrors exist (see ExitError's constructor). */
export function setExitErrorCreatedCallback(callback: () => void): void {
  (globalThis as Record<symbol, unknown>)[EXIT_ERROR_CREATED] = callback;
}
