import type { ProcessFacade } from '../process-facade.js';

/**
 * A signal repeated within this window of the last one that counted is the
 * same request, relayed twice. Supervisors relay one request as several
 * signals: nodemon always twice, 7–22 ms apart on an idle machine, but after
 * two `ps` runs and a shell, so later on a busy one (forced in 9 of 9 runs
 * with a 100 ms window and `ps` slowed by 80 ms); `node --watch` and tsx relay
 * one Ctrl+C as two SIGINTs 1–32 ms apart (reload-and-supervisors §D). A
 * person who wants to force a stuck exit presses again after reading
 * "press Ctrl+C again to force".
 */
export const REPEATED_SIGNAL_WINDOW_MS = 1000;

/** What a signal received during the exit means. */
export type SignalDuringExit =
  /** A repeat within the window: the same request, relayed again. */
  | 'duplicate'
  /** Sent by this process to itself (a framework re-raising the signal it got, as NestJS does). */
  | 'self-sent'
  /** The first signal of an exit something else started: it asks for what is already happening. */
  | 'first'
  /** A second request to stop: the exit is forced. */
  | 'second';

/**
 * Tells apart, among the signals that arrive during the exit, the ones that
 * mean "stop now" from repeats of the request already being served.
 */
export class RepeatedSignals {
  /** When the last signal that counted arrived. */
  private lastCountedAt = -Infinity;
  private counted = 0;
  /** Signals the process sent itself during the exit, not yet delivered. */
  private readonly selfSent = new Map<NodeJS.Signals, number>();
  private unwatch: (() => void) | undefined;

  /** The exit started (by a signal: `bySignal`) at `now`: from now on, signals the process sends itself are counted. */
  started(facade: ProcessFacade, now: number, bySignal: boolean): void {
    if (bySignal) {
      this.lastCountedAt = now;
      this.counted = 1;
    }
    this.unwatch = facade.watchSelfSignals((signal) => this.selfSent.set(signal, (this.selfSent.get(signal) ?? 0) + 1));
  }

  /** The exit is ending: stop counting. */
  stopWatching(): void {
    this.unwatch?.();
    this.unwatch = undefined;
  }

  /** Classifies a signal received during the exit, at `now`. */
  classify(signal: NodeJS.Signals, now: number): SignalDuringExit {
    const selfSent = this.selfSent.get(signal) ?? 0;
    if (selfSent > 0) {
      this.selfSent.set(signal, selfSent - 1);
      return 'self-sent';
    }
    if (now - this.lastCountedAt < REPEATED_SIGNAL_WINDOW_MS) return 'duplicate';
    this.lastCountedAt = now;
    return ++this.counted === 1 ? 'first' : 'second';
  }

  /** How long ago the last signal that counted arrived, for messages. */
  sinceLastCounted(now: number): number {
    return now - this.lastCountedAt;
  }
}
