import { isExitError, isSystemExit } from '../errors.js';
import { resolveExitRequest } from '../exit-request.js';
import type { OutputFailure } from '../output/watch-output.js';
import type { ProcessFacade } from '../process-facade.js';
import { signalExitStatus } from '../signals.js';
import { FAILURE_STATUS } from '../exit-status.js';
import { exitAfterLateFailure, recordedStatus } from './end-process.js';
import type { ExitSequence } from './exit-sequence.js';
import { runHooksSynchronously } from './synchronous-exit.js';

type ErrorOrigin = 'uncaughtException' | 'unhandledRejection';

const RUNTIME_SKIPS_UNCAUGHT_FOR_REJECTIONS = process.versions.bun !== undefined;

/**
 * The listeners the exit sequence installs on the process, and what each
 * process event means for it. Installs exactly what the current state needs:
 * - signals, 'beforeExit', 'exit': while hooks are registered or an exit is
 *   under way; removing the last hook gives Node its default signal behaviour back;
 * - 'uncaughtException': once the library is in use (unless handleErrors is
 *   false), and always while exiting; with handleErrors false,
 *   'uncaughtExceptionMonitor' instead, to name the error that ends the process;
 * - stdout/stderr 'error': once the library is in use, for good (output/watch-output.ts).
 */
export class ProcessListeners {
  /** Set on first use: from then on uncaught errors and broken pipes are handled. */
  private armed = false;
  private installedSignals: readonly NodeJS.Signals[] = [];
  private readonly installedEvents = new Set<string>();
  /** An uncaught error Node is about to end the process for (handleErrors false), for the 'exit' listener. */
  uncaughtWithoutHandling: { error: unknown; origin: ErrorOrigin } | undefined;

  constructor(
    private readonly facade: ProcessFacade,
    private readonly sequence: ExitSequence,
  ) {
    sequence.onOutputFailed = this.onOutputFailed;
  }

  /** First use of the library (idempotent). Returns true the first time. */
  arm(): boolean {
    const first = !this.armed;
    this.armed = true;
    this.sequence.output.watch();
    this.update();
    return first;
  }

  update(): void {
    const { phase, registry, options } = this.sequence;
    const exiting = phase === 'hooks' || phase === 'flushing';
    const lifecycle = exiting || (phase === 'idle' && registry.size > 0);
    const wanted = lifecycle ? options.signals : [];
    for (const signal of this.installedSignals) if (!wanted.includes(signal)) this.facade.off(signal, this.onSignal);
    for (const signal of wanted) if (!this.installedSignals.includes(signal)) this.facade.on(signal, this.onSignal);
    this.installedSignals = wanted;
    this.toggle('beforeExit', this.onBeforeExit, lifecycle);
    this.toggle('exit', this.onProcessExit, lifecycle);
    const errors = exiting || (this.armed && options.handleErrors && phase !== 'ending');
    this.toggle('uncaughtException', this.onUncaughtException, errors);
    // Bun ends the process for an unhandled rejection without emitting
    // 'uncaughtException' (docs/runtimes.md). On Node, a listener for it
    // would change Node's own behaviour, so only there.
    if (RUNTIME_SKIPS_UNCAUGHT_FOR_REJECTIONS && this.facade.pid === process.pid) this.toggle('unhandledRejection', this.onUnhandledRejection, errors);
    this.toggle('uncaughtExceptionMonitor', this.onUncaughtMonitor, lifecycle && !errors);
  }

  /**
   * A handled signal. The first starts the exit; a second one forces it to
   * end at once (a person pressing Ctrl+C twice). What is not a second
   * request is told apart in repeated-signals.ts.
   */
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    const { sequence } = this;
    const now = this.facade.now();
    if (sequence.phase === 'idle') return sequence.start({ kind: 'signal', signal }, signalExitStatus(signal), signal);
    const meaning = sequence.repeatedSignals.classify(signal, now);
    sequence.debug(() => `${sequence.elapsed()} ${signal} during the exit: ${meaning}`);
    if (meaning === 'second') return sequence.force(`received ${signal} again`, signal);
    if (meaning === 'first' && signal === 'SIGINT' && this.facade.stderr.isTTY === true) {
      sequence.messages.log('farewell: already exiting (press Ctrl+C again to force)');
    }
  };

  private readonly onUncaughtException = (error: unknown, origin: ErrorOrigin): void => {
    const { sequence } = this;
    if (isSystemExit(error) || sequence.isThrownByExit(error)) {
      // exit() already started the sequence: its SystemExit has unwound the
      // stack, the hooks may start. A SystemExit thrown by hand starts one.
      if (sequence.phase === 'idle' && isSystemExit(error)) sequence.start({ kind: 'exit' }, this.statusOfError(error));
      else sequence.unwinding.done();
      return;
    }
    if (sequence.phase === 'idle') {
      sequence.messages.printError(error);
      return sequence.start({ kind: 'error', error, origin }, this.statusOfError(error));
    }
    sequence.cleanupFailed = true;
    sequence.messages.log(`farewell: ${origin === 'unhandledRejection' ? 'an unhandled rejection' : 'an uncaught exception'} during the exit:`);
    sequence.messages.printError(error);
    if (sequence.phase === 'hooks' || sequence.phase === 'flushing') {
      sequence.force('an error');
    } else if (sequence.phase === 'ended') {
      // After a natural end or a direct process.exit(): nothing left to run.
      sequence.phase = 'ending';
      exitAfterLateFailure(this.facade);
    }
  };

  private readonly onUnhandledRejection = (reason: unknown): void => this.onUncaughtException(reason, 'unhandledRejection');

  /**
   * With handleErrors false, Node ends the process itself for an uncaught
   * error, emitting 'exit' right after this monitor: remember the error so
   * that the 'exit' listener names it, not a process.exit() nobody called.
   */
  private readonly onUncaughtMonitor = (error: unknown, origin: ErrorOrigin): void => {
    if (this.sequence.phase !== 'idle' || this.installedEvents.has('uncaughtException')) return;
    this.uncaughtWithoutHandling = { error, origin };
    // If the application handles it (its own listener) and goes on, the next
    // microtask forgets it. Without one the process is ending: keep it (Bun
    // runs a microtask before 'exit').
    if (this.facade.listenerCount('uncaughtException') > 0) {
      queueMicrotask(() => {
        this.uncaughtWithoutHandling = undefined;
      });
    }
  };

  private readonly onBeforeExit = (): void => {
    const { sequence } = this;
    if (sequence.phase === 'idle') {
      sequence.start({ kind: 'natural' }, recordedStatus(this.facade));
    } else if (sequence.phase === 'hooks' && !sequence.steps.busy) {
      sequence.unwinding.done(); // nothing is left that could still unwind
    } else if (sequence.phase === 'hooks' && sequence.steps.busy) {
      // The loop is empty while hooks wait: waiting for the deadline would only waste time.
      sequence.stalled();
    } else if (sequence.phase === 'flushing') {
      // A write in progress keeps the loop alive, so nothing more can be
      // delivered: what is still queued is lost. A stream that never hands its
      // chunks over gets here, and so does Deno after a write that threw
      // (docs/runtimes.md); without ending now, the process would exit with 0.
      // (Every queued byte counts: with the loop empty, none is in the OS's hands.)
      const { stdout, stderr } = this.facade;
      if ((stdout.writableLength ?? 0) + (stderr.writableLength ?? 0) > 0) {
        sequence.cleanupFailed = true;
        sequence.messages.log(
          `farewell: output was not fully delivered: nothing was left to deliver it (stdout: ${stdout.writableLength ?? 0} bytes, stderr: ${stderr.writableLength ?? 0} bytes)`,
        );
      }
      sequence.end();
    }
  };

  /**
   * A write to stdout or stderr failed. Before the exit, a closed stdout is
   * the Unix signal to stop (`yes | head -1`): exit as by SIGPIPE; another
   * stdout error is fatal. During the exit, what was queued is lost, so the
   * exit must not end with 0 (a closed pipe ends as by SIGPIPE, see end-process.ts).
   */
  private readonly onOutputFailed = ({ stream, error, brokenPipe }: OutputFailure): void => {
    const { sequence } = this;
    sequence.debug(() => `${stream} error ${(error as NodeJS.ErrnoException).code ?? error.message}; no more output on it`);
    if (sequence.phase === 'idle') {
      if (stream !== 'stdout') return;
      if (brokenPipe) return sequence.start({ kind: 'broken-pipe' }, signalExitStatus('SIGPIPE'), 'SIGPIPE');
      sequence.messages.printError(error);
      return sequence.start({ kind: 'error', error, origin: 'uncaughtException' }, FAILURE_STATUS);
    }
    sequence.cleanupFailed = true;
    if (brokenPipe) sequence.lostToBrokenPipe = true;
    else sequence.messages.log(`farewell: ${stream} failed: ${error.message}; output was lost`);
  };

  /** The process is ending without waiting (a direct process.exit(), or Node for an uncaught error). */
  private readonly onProcessExit = (code: number): void => {
    runHooksSynchronously(this.sequence, code, this.uncaughtWithoutHandling);
  };

  /** The status an uncaught error (or SystemExit) asks for, reporting an invalid `exitCode`. */
  private statusOfError(error: unknown): number {
    if (!isExitError(error) && !isSystemExit(error) && !(error instanceof Error)) return FAILURE_STATUS;
    const request = resolveExitRequest(error, undefined);
    if (request.problem) this.sequence.messages.log(`farewell: ${request.problem.message}; exiting with status 1`);
    return request.status;
  }

  private toggle(event: string, listener: (...args: any[]) => void, wanted: boolean): void {
    if (wanted === this.installedEvents.has(event)) return;
    if (wanted) {
      this.facade.on(event, listener);
      this.installedEvents.add(event);
    } else {
      this.facade.off(event, listener);
      this.installedEvents.delete(event);
    }
  }
}
