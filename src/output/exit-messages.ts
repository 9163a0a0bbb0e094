import type { ProcessFacade } from '../process-facade.js';
import { describeActiveResources } from './describe-active-resources.js';
import { formatError, formatUncaughtError } from './format-error.js';

/**
 * Where the library's own messages go: to the configured logger, else to
 * stderr. Never throws: a logger that throws is reported on stderr, and a
 * stderr that broke (EPIPE) is not written to any more.
 */
export class ExitMessages {
  constructor(
    private readonly facade: ProcessFacade,
    /** The configured logger, read at each message (configure() may change it). */
    private readonly logger: () => ((message: string) => void) | undefined,
    /** Whether stderr can no longer be written. */
    private readonly stderrBroken: () => boolean,
  ) {}

  /** A message of the library: failing hooks, the deadline report, forced ends. */
  log(message: string): void {
    const logger = this.logger();
    if (logger !== undefined) {
      try {
        logger(message);
        return;
      } catch (error) {
        this.writeStderr(`farewell: the logger threw ${formatError(error)}\n`);
      }
    }
    this.writeStderr(`${message}\n`);
  }

  /** An error printed as Node prints an uncaught one (an ExitError: only its message). */
  printError(error: unknown): void {
    const text = formatUncaughtError(error);
    if (text !== '') this.log(text);
  }

  /** Output the program asked for (`exit('message')`): always stderr, never the logger. */
  writeStderr(text: string): void {
    if (this.stderrBroken()) return;
    try {
      this.facade.stderr.write(text);
    } catch {
      // stderr is gone; there is nowhere left to report to.
    }
  }
}

/** What the exit says about a hook that failed or timed out after `took`. */
export function settledHookMessage(name: string, outcome: { kind: 'failed'; error: unknown } | { kind: 'timed-out'; timeout: number }, took: string): string {
  if (outcome.kind === 'failed') return `farewell: exit hook "${name}" failed after ${took}:\n${formatError(outcome.error)}`;
  return `farewell: exit hook "${name}" timed out after ${outcome.timeout} ms; continuing with the next hooks`;
}

/** The global deadline passed while hooks ran (`running`: names with how long each ran). */
export function deadlineMessage(timeoutMs: number, running: readonly string[], notStarted: readonly string[], activeResources: readonly string[] | undefined): string {
  return `farewell: the exit did not finish within ${timeoutMs} ms; ${describePending(running, notStarted)}. Keeping the process alive: ${describeActiveResources(activeResources)}`;
}

/** A second signal or an error (`what`) forced the end while hooks ran. */
export function forcedMessage(what: string, running: readonly string[], notStarted: readonly string[]): string {
  return `farewell: ${what} during the exit: ending now; ${describePending(running, notStarted)}`;
}

/** The hooks ran at the natural end, yet the deadline later found something still holding the event loop. */
export function keptAliveMessage(timeoutMs: number, activeResources: readonly string[] | undefined): string {
  return `farewell: the program ended and its exit hooks ran, but ${timeoutMs} ms later the process is still kept alive by: ${describeActiveResources(activeResources)}`;
}

/** For the deadline and forced-end reports: `still running: "a" (running for 2 s); not started: "b", "c"`. */
export function describePending(running: readonly string[], notStarted: readonly string[]): string {
  const parts: string[] = [];
  if (running.length > 0) parts.push(`still running: ${running.join(', ')}`);
  if (notStarted.length > 0) parts.push(`not started: ${notStarted.map((name) => `"${name}"`).join(', ')}`);
  return parts.length > 0 ? parts.join('; ') : 'no hook was pending';
}
