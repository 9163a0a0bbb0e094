import { sendSignal } from '../process/signal-tree.js';
import { stopWatchedTree } from '../process/terminate.js';
import type { ChildExit, Termination } from '../process/terminate.js';
import { signalNumber } from '../signals.js';
import { formatDuration } from '../output/format-duration.js';
import { findCommand, Generation } from './generation.js';
import { ListenError, openSockets } from './listening-sockets.js';
import type { HeldSocket } from './listening-sockets.js';
import type { SupervisorOptions } from './parse-arguments.js';
import { waitForReadiness } from './readiness.js';
import type { ReloadOptions } from './reload-arguments.js';
import { FORWARDED_SIGNALS, TERMINATING_SIGNALS } from './signal-names.js';
import { addSignalListener, dieBySignal, failToStart, reportKilled, say } from './supervisor.js';
import { isInTerminalForeground, TERMINAL_SIGNALS } from './terminal.js';
import { EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND } from './usage.js';
import { debugLog } from '../index.js';

/** Exit status when a --listen socket cannot be opened (a runtime failure; a bad spec is 64). */
export const EXIT_LISTEN_FAILED = 1;

/**
 * `farewell --listen … -- command`: holds the listening sockets for the
 * whole run and replaces the command without dropping a connection
 * (docs/reload.md). On the reload signal:
 *
 * 1. generation N+1 starts on the same sockets;
 * 2. once it is ready, N gets the stop signal once and drains (it stops
 *    accepting; N+1 accepts from the same socket, so the kernel's queue is
 *    never lost), and has --timeout to end before its tree is killed;
 * 3. if N+1 exits or is not ready within --ready-timeout, it is stopped and
 *    N keeps serving: one line on stderr, and the CLI carries on.
 *
 * One reload at a time ("at most one generation not ready", as tableflip):
 * reload signals during a reload are coalesced into one more reload after it.
 * Terminating signals stop every generation; the CLI then exits the way the
 * newest generation that served did.
 */
export function superviseWithReload(options: SupervisorOptions, reload: ReloadOptions): void {
  new ReloadSupervisor(options, reload).start();
}

class ReloadSupervisor {
  private sockets: HeldSocket[] = [];
  /** Generations started and not yet exited, oldest first. */
  private readonly running: Generation[] = [];
  /** The generation that serves: receives forwarded signals, is replaced by the next reload. */
  private current: Generation | undefined;
  /** The newest generation that served: the CLI ends the way it ended. */
  private lastServing: Generation | undefined;
  /** The reload under way (or the wait for generation 1's readiness). */
  private reloading: Promise<void> | undefined;
  private reloadPending = false;
  private reloadCount = 0;
  private generationCount = 0;
  /** The first terminating signal: from then on everything stops. */
  private stopSignal: NodeJS.Signals | undefined;
  /** Set when the serving generation ended by itself: the CLI ends with it. */
  private ending = false;
  /** Aborts readiness waits when the CLI stops. */
  private readonly stopping = new AbortController();
  private readonly listened: NodeJS.Signals[] = [];
  private readonly onSignal = (signal: NodeJS.Signals): void => this.handleSignal(signal);

  constructor(
    private readonly options: SupervisorOptions,
    private readonly reload: ReloadOptions,
  ) {}

  start(): void {
    // Listeners first, as without --listen: no signal may end the CLI by default
    // while it holds sockets or runs the command.
    for (const signal of FORWARDED_SIGNALS) if (signalNumber(signal) !== undefined && addSignalListener(signal, this.onSignal)) this.listened.push(signal);
    void this.openAndStart();
  }

  private async openAndStart(): Promise<void> {
    try {
      this.sockets = await openSockets(this.reload);
    } catch (error) {
      if (!(error instanceof ListenError)) throw error;
      say(error.message);
      process.exit(EXIT_LISTEN_FAILED);
    }
    if (this.stopSignal !== undefined) return this.finish(undefined);
    const found = findCommand(this.options.command);
    if (found === 'ENOENT') return this.failBeforeStart(EXIT_NOT_FOUND, `${this.options.command}: command not found`);
    if (found === 'EACCES') return this.failBeforeStart(EXIT_CANNOT_EXECUTE, `${this.options.command}: cannot execute: spawn ${this.options.command} EACCES`);
    const first = this.startGeneration();
    this.current = first;
    this.lastServing = first;
    this.reloading = this.waitForFirst(first).finally(() => this.reloadDone());
  }

  private failBeforeStart(status: number, message: string): void {
    this.closeSockets();
    say(message);
    process.exit(status);
  }

  /** Starts the next generation, or ends the CLI as a failed spawn would. */
  private startGeneration(): Generation {
    const number = ++this.generationCount;
    let generation: Generation;
    try {
      generation = Generation.start(number, this.options.command, this.options.args, this.sockets, this.options.group, this.reload.backlogGiven ? this.reload.backlog : undefined);
    } catch (error) {
      this.closeSockets();
      failToStart(this.options.command, error);
    }
    this.running.push(generation);
    void generation.exit.promise.then(() => this.generationExited(generation));
    return generation;
  }

  /** Generation 1 has nothing to replace; its readiness is only reported. */
  private async waitForFirst(first: Generation): Promise<void> {
    const outcome = await waitForReadiness(first, this.reload.readiness, this.reload.readyTimeout, this.stopping.signal);
    if (outcome === 'timed-out') {
      say(`${first} did not report ready within ${formatDuration(this.reload.readyTimeout)} (--ready-timeout); it keeps running`);
    }
  }

  private handleSignal(signal: NodeJS.Signals): void {
    if (signal === this.reload.reloadSignal) return this.requestReload(signal);
    const terminating = TERMINATING_SIGNALS.has(signal);
    const deliveredByTerminal = !this.options.group && TERMINAL_SIGNALS.has(signal) && isInTerminalForeground();
    const forwarded = this.options.rewrites.get(signal) ?? signal;
    if (!terminating) {
      const target = this.current ?? this.running.at(-1);
      debugLog(() => `${signal}: ${deliveredByTerminal ? 'delivered by the terminal to' : `forwarding ${forwarded} to`} ${target ?? 'no generation'}`);
      if (target !== undefined && !deliveredByTerminal) this.signalGeneration(target, forwarded);
      return;
    }
    const first = this.stopSignal === undefined;
    this.stopSignal ??= signal;
    this.reloadPending = false;
    this.stopping.abort();
    debugLog(() => `${signal}: stopping ${this.running.join(', ') || 'nothing (no generation runs yet)'}`);
    for (const generation of this.running) {
      // Find its descendants before it can die of this signal (afterwards they are re-parented).
      if (generation.stopping === undefined) generation.tree.scan();
      // A generation already told to stop by a reload gets the first
      // terminating signal only once; later ones pass on ("force" for many programs).
      if (!deliveredByTerminal && (!generation.askedToStop || !first)) this.signalGeneration(generation, forwarded);
      generation.askedToStop = true;
      void this.stopWithin(generation, signal);
    }
  }

  private requestReload(signal: NodeJS.Signals): void {
    if (this.stopSignal !== undefined || this.ending) {
      debugLog(() => `${signal}: ignored, the CLI is stopping`);
      return;
    }
    if (this.reloading !== undefined) {
      debugLog(() => `${signal}: a reload is under way; ${this.reloadPending ? 'one more is already queued' : 'one more will follow it'}`);
      this.reloadPending = true;
      return;
    }
    this.reloading = this.runReload(++this.reloadCount).finally(() => this.reloadDone());
  }

  private async runReload(number: number): Promise<void> {
    const old = this.current;
    const next = this.startGeneration();
    debugLog(() => `reload ${number}: started ${next}; ${old ?? 'no generation'} serves meanwhile`);
    const outcome = await waitForReadiness(next, this.reload.readiness, this.reload.readyTimeout, this.stopping.signal);
    if (outcome === 'aborted') return; // stopping: handleSignal stops both
    if (outcome === 'exited') {
      say(`reload ${number} failed: ${next} ${describeExit(next.exit)} before it was ready; ${this.survivor(old)}`);
      return;
    }
    if (outcome === 'timed-out' && old !== undefined && !old.exit.done) {
      say(`reload ${number} failed: ${next} was not ready within ${formatDuration(this.reload.readyTimeout)} (--ready-timeout) and is stopped; ${this.survivor(old)}`);
      await this.stopGeneration(next);
      return;
    }
    // Ready (or not ready in time but nothing else is left: it is all there is).
    this.current = next;
    this.lastServing = next;
    const readyAfter = next.age();
    if (old === undefined || old.exit.done || old.askedToStop) {
      say(`reload ${number}: ${next} ${outcome === 'ready' ? `ready after ${readyAfter} ms` : 'serves (not reported ready, but no other generation is left)'}`);
      return;
    }
    const stopSent = performance.now();
    debugLog(() => `reload ${number}: ${next} ready after ${readyAfter} ms; sending ${this.stopSignalFor()} to ${old}`);
    const termination = await this.stopGeneration(old);
    const drainMs = Math.round(performance.now() - stopSent);
    say(`reload ${number}: ${next} ready after ${readyAfter} ms; ${old} ${describeStop(old, termination, drainMs, this.options.timeout)}`);
  }

  /**
   * Asks a generation to stop, once, as a forwarded signal would (the command,
   * or its group with --group), and kills its tree after --timeout.
   */
  private stopGeneration(generation: Generation): Promise<Termination> {
    const signal = this.stopSignalFor();
    generation.tree.scan();
    generation.askedToStop = true;
    this.signalGeneration(generation, signal);
    return this.stopWithin(generation, signal);
  }

  /** The signal that asks a generation to stop: SIGTERM, or what --rewrite makes of it. */
  private stopSignalFor(): NodeJS.Signals {
    return this.options.rewrites.get('SIGTERM') ?? 'SIGTERM';
  }

  private survivor(old: Generation | undefined): string {
    return old !== undefined && !old.exit.done ? `${old} keeps serving` : 'no other generation is left';
  }

  /** After a reload: the next queued one, or the end when nothing runs any more. */
  private reloadDone(): void {
    this.reloading = undefined;
    if (this.running.length === 0) return this.finish(this.lastServing?.exit);
    if (this.reloadPending && this.stopSignal === undefined && !this.ending) {
      this.reloadPending = false;
      this.requestReload(this.reload.reloadSignal);
    }
  }

  private generationExited(generation: Generation): void {
    this.running.splice(this.running.indexOf(generation), 1);
    debugLog(() => `${generation}: ${describeExit(generation.exit)}`);
    if (generation === this.current) {
      this.current = undefined;
      // The serving generation ended by itself, outside a reload: the CLI ends with it, as without --listen.
      if (!generation.askedToStop && this.reloading === undefined) this.ending = true;
    }
    if (this.running.length === 0 && this.reloading === undefined) this.finish(this.lastServing?.exit);
  }

  /** Sends `signal` to a generation (its process group with --group). */
  private signalGeneration(generation: Generation, signal: NodeJS.Signals): void {
    if (this.options.group) sendSignal(-generation.pid, signal);
    else if (!generation.exit.done) sendSignal(generation.pid, signal);
  }

  /** Waits up to --timeout for the generation's tree to end, then kills what is left; started once per generation. */
  private stopWithin(generation: Generation, reason: NodeJS.Signals): Promise<Termination> {
    generation.stopping ??= stopWatchedTree(generation.tree, generation.exit, undefined, this.options.timeout, undefined).then((result) => {
      reportKilled(`${generation} of '${this.options.command}'`, reason, this.options.timeout, result);
      return result;
    });
    return generation.stopping;
  }

  private closeSockets(): void {
    for (const socket of this.sockets) socket.close();
  }

  /** Ends the CLI the way `exit` ended (undefined: stopped before any generation started). */
  private finish(exit: ChildExit | undefined): void {
    this.closeSockets();
    for (const signal of this.listened) process.off(signal, this.onSignal);
    if (exit === undefined) return dieBySignal(this.stopSignal ?? 'SIGTERM');
    if (exit.signal === null) process.exit(exit.code ?? 1);
    dieBySignal(exit.signal);
  }
}

function describeExit(exit: { readonly code: number | null; readonly signal: NodeJS.Signals | null }): string {
  return exit.signal !== null ? `died by ${exit.signal}` : `exited with code ${exit.code}`;
}

/** The old generation's part of the reload line. */
function describeStop(old: Generation, termination: Termination, drainMs: number, timeout: number): string {
  if (termination.killed) return `did not stop within ${formatDuration(timeout)}: killed with SIGKILL`;
  const ending = termination.signal === null && termination.code !== 0 ? `, ${describeExit(termination)}` : '';
  if (old.drains.length === 0) return `stopped in ${drainMs} ms (it sent no drain report: not using farewell/http)${ending}`;
  const requests = old.drains.reduce((sum, drain) => sum + drain.requestsCompleted, 0);
  return `drained in ${drainMs} ms, ${requests} request${requests === 1 ? '' : 's'} completed during the drain${ending}`;
}
