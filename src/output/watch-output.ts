import type { OutputStream, ProcessFacade } from '../process-facade.js';
import { undeliveredBytes } from './flush-output.js';

/** A failed write on stdout or stderr. */
export interface OutputFailure {
  readonly stream: 'stdout' | 'stderr';
  readonly error: Error;
  /** EPIPE: the reader went away (`node app | head -1`). */
  readonly brokenPipe: boolean;
}

/**
 * Watches stdout and stderr for failed writes, once the library is in use.
 * Without a listener, an EPIPE on stdout crashes the process with an
 * unhandled 'error' (node-platform-facts §2); a stream that failed once is
 * not written to again (every later write fails too). What a failure means
 * for the exit is the sequence's decision: `onFailure` tells it, once per
 * stream.
 */
export class OutputWatch {
  private readonly failed = new Set<OutputStream>();
  private watching = false;

  constructor(
    private readonly facade: ProcessFacade,
    private readonly onFailure: (failure: OutputFailure) => void,
  ) {}

  /** Starts watching, for good (idempotent). */
  watch(): void {
    if (this.watching) return;
    this.watching = true;
    this.facade.stdout.on('error', (error) => this.fail('stdout', error));
    this.facade.stderr.on('error', (error) => this.fail('stderr', error));
  }

  /** Whether writes to `stream` are lost. */
  isBroken(stream: OutputStream): boolean {
    return this.failed.has(stream);
  }

  /**
   * A write that failed sets `stream.errored` at once, but the 'error' event
   * comes on a later tick: an exit that ends within one microtask drain (an
   * ESM module calling exit()) would miss it. Called before the end.
   */
  noticeFailedWrites(): void {
    for (const name of ['stdout', 'stderr'] as const) {
      const error = this.facade[name].errored;
      if (error) this.fail(name, error);
    }
  }

  /** For the deadline report: "stdout: 4096 bytes not delivered, stderr: closed". */
  describeUndelivered(): string {
    const describe = (stream: OutputStream): string => (this.failed.has(stream) ? 'closed' : `${undeliveredBytes(stream)} bytes not delivered`);
    return `stdout: ${describe(this.facade.stdout)}, stderr: ${describe(this.facade.stderr)}`;
  }

  private fail(name: 'stdout' | 'stderr', error: Error): void {
    const stream = this.facade[name];
    if (this.failed.has(stream)) return;
    this.failed.add(stream);
    this.onFailure({ stream: name, error, brokenPipe: (error as NodeJS.ErrnoException).code === 'EPIPE' });
  }
}
