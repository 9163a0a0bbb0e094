import { loadUtil } from '../builtin-modules.js';
import { isExitError } from '../errors.js';

/**
 * Renders an error fully: the stack, every `cause`, AggregateError members and
 * own properties, at any depth. Node's own printer shows the same; nothing is
 * cut. Non-errors (`throw 42`) are shown as `Uncaught 42`.
 */
export function formatError(error: unknown): string {
  const rendered = loadUtil().inspect(error, {
    depth: Infinity,
    maxArrayLength: Infinity,
    maxStringLength: Infinity,
    breakLength: 120,
    colors: false,
  });
  return error instanceof Error ? rendered : `Uncaught ${rendered}`;
}

/**
 * Renders an uncaught error as Node.js prints it: `formatError`, then the
 * Node.js version. An `ExitError` is an expected stop, not a bug: only its
 * message is shown (nothing at all for an empty message).
 */
export function formatUncaughtError(error: unknown): string {
  if (isExitError(error)) return error.message;
  return `${formatError(error)}\n\nNode.js ${process.version}`;
}
