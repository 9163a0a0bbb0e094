import { describeValue } from '../describe-value.js';
import type { DisposableResource, ExitHook } from './exit-hook.js';

// Symbol.dispose and Symbol.asyncDispose exist from Node.js 20 (and in Bun
// and Deno); the registry keys are those of TypeScript's emitted helpers.
const asyncDispose: symbol = Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose');
const dispose: symbol = Symbol.dispose ?? Symbol.for('Symbol.dispose');

/**
 * The hook that disposes of `resource` at exit, as a `using` block would at
 * the end of its scope: `[Symbol.asyncDispose]()` if it has one (awaited),
 * else `[Symbol.dispose]()`. Undefined if `resource` is neither a function
 * nor disposable.
 */
export function hookFor(resource: ExitHook | DisposableResource): { run: ExitHook; name: string | undefined } | undefined {
  if (typeof resource === 'function') return { run: resource, name: undefined };
  if (typeof resource !== 'object' || resource === null) return undefined;
  const methods = resource as Record<symbol, unknown>;
  const method = typeof methods[asyncDispose] === 'function' ? asyncDispose : typeof methods[dispose] === 'function' ? dispose : undefined;
  if (method === undefined) return undefined;
  const className = (resource as object).constructor?.name;
  return {
    run: () => (methods[method] as () => unknown).call(resource),
    name: className !== undefined && className !== 'Object' ? className : undefined,
  };
}

/** The error for an argument onExit() cannot use. */
export function notAHook(value: unknown): TypeError {
  return new TypeError(`hook must be a function or a disposable resource (with [Symbol.asyncDispose] or [Symbol.dispose]), got ${describeValue(value)}`);
}

/** Makes `unregister` a Disposable too: `using registration = onExit(hook)`. */
export function asRegistration(unregister: () => void): (() => void) & Disposable {
  return Object.assign(unregister, { [dispose]: unregister }) as unknown as (() => void) & Disposable;
}
