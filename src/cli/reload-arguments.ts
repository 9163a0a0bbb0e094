import { parseDuration } from './duration.js';
import { parseListenSpec } from './listen-spec.js';
import type { ListenSpec } from './listen-spec.js';
import { FORWARDED_SIGNALS, parseSignal } from './signal-names.js';
import { isBacklog } from '../http/inherited-sockets.js';

/** Default of --ready-timeout: how long a new generation may take to say it is ready. */
export const DEFAULT_READY_TIMEOUT_MS = 30_000;
/** Default of --backlog: Node.js's own default for `server.listen()`. */
export const DEFAULT_BACKLOG = 511;
/** Default of --socket-mode: owner and group may connect (a proxy in the socket's group), others not. */
export const DEFAULT_SOCKET_MODE = 0o660;

/** How the CLI learns that a new generation serves. */
export type Readiness =
  /** The IPC message `'ready'` (`process.send('ready')`, or `ready()` from farewell/http). */
  | { readonly kind: 'message' }
  /** The message, or an HTTP 200 from this URL, answered by the new generation itself. */
  | { readonly kind: 'url'; readonly url: URL }
  /** The message, or this many milliseconds after the start: the weakest. */
  | { readonly kind: 'delay'; readonly ms: number };

/** The options of a reloading supervisor: present when at least one `--listen` is given. */
export interface ReloadOptions {
  readonly listen: readonly ListenSpec[];
  readonly backlog: number;
  /** Set with --backlog: passed on to the command, whose own listen() would reset it. */
  readonly backlogGiven: boolean;
  readonly socketMode: number;
  readonly reloadSignal: NodeJS.Signals;
  readonly readiness: Readiness;
  readonly readyTimeout: number;
}

const OPTION_NAMES = ['--listen', '--backlog', '--socket-mode', '--reload-signal', '--ready-url', '--ready-delay', '--ready-timeout'] as const;

/**
 * Collects the reload options while `parseArguments()` walks the command
 * line, then checks them together. Problems are returned as messages; the
 * caller throws them as usage errors.
 */
export class ReloadArguments {
  private readonly listen: ListenSpec[] = [];
  private readonly given = new Map<string, string>();
  private backlog = DEFAULT_BACKLOG;
  private socketMode = DEFAULT_SOCKET_MODE;
  private reloadSignal: NodeJS.Signals = 'SIGHUP';
  private readyTimeout = DEFAULT_READY_TIMEOUT_MS;
  private readiness: Readiness = { kind: 'message' };

  /** Whether `name` is one of these options (all take a value). */
  accepts(name: string): boolean {
    return (OPTION_NAMES as readonly string[]).includes(name);
  }

  /** Takes one option; returns a problem, or undefined. */
  take(name: string, text: string): string | undefined {
    this.given.set(name, text);
    switch (name) {
      case '--listen': {
        const spec = parseListenSpec(text);
        if ('problem' in spec) return `invalid --listen '${text}': ${spec.problem}`;
        this.listen.push(spec);
        return undefined;
      }
      case '--backlog': {
        if (!/^\d{1,10}$/.test(text) || !isBacklog(Number(text))) {
          return `invalid --backlog '${text}': expected a number of connections, at least 1`;
        }
        this.backlog = Number(text);
        return undefined;
      }
      case '--socket-mode': {
        if (!/^0?[0-7]{3}$/.test(text)) return `invalid --socket-mode '${text}': expected an octal mode such as 660`;
        this.socketMode = parseInt(text, 8);
        return undefined;
      }
      case '--reload-signal': {
        const signal = parseSignal(text);
        if (signal === undefined) return `invalid --reload-signal '${text}': not a signal`;
        if (signal === 'SIGINT' || signal === 'SIGTERM') return `invalid --reload-signal '${text}': ${signal} stops the command; use HUP, USR2 or USR1`;
        if (!FORWARDED_SIGNALS.includes(signal)) return `invalid --reload-signal '${text}': use one of ${FORWARDED_SIGNALS.filter((s) => s !== 'SIGINT' && s !== 'SIGTERM').join(', ')}`;
        this.reloadSignal = signal;
        return undefined;
      }
      case '--ready-url': {
        let url: URL | undefined;
        try {
          url = new URL(text);
        } catch {
          url = undefined;
        }
        if (url === undefined || url.protocol !== 'http:') return `invalid --ready-url '${text}': expected an http:// URL, e.g. http://127.0.0.1:3000/ready`;
        this.readiness = { kind: 'url', url };
        return undefined;
      }
      case '--ready-delay':
      case '--ready-timeout': {
        const parsed = parseDuration(text);
        if ('problem' in parsed) return `invalid ${name} '${text}': ${parsed.problem}`;
        if (name === '--ready-delay') this.readiness = { kind: 'delay', ms: parsed.ms };
        else this.readyTimeout = parsed.ms;
        return undefined;
      }
      default:
        return `unknown option '${name}'`;
    }
  }

  /**
   * The options, undefined without `--listen`; or a problem with how they go
   * together. `rewritten`: the signals `--rewrite` forwards as others.
   */
  finish(rewritten: ReadonlySet<NodeJS.Signals>): ReloadOptions | undefined | { readonly problem: string } {
    if (this.listen.length === 0) {
      const orphan = [...this.given.keys()][0];
      return orphan === undefined ? undefined : { problem: `${orphan} needs --listen: reloading works on sockets the CLI holds` };
    }
    if (this.given.has('--ready-url') && this.given.has('--ready-delay')) return { problem: 'use --ready-url or --ready-delay, not both' };
    if (this.listen.some((spec) => spec.kind === 'systemd') && this.listen.length > 1) {
      return { problem: '--listen systemd takes every socket systemd passed; it cannot be combined with other --listen options' };
    }
    if (rewritten.has(this.reloadSignal)) {
      return { problem: `--rewrite ${this.reloadSignal.slice(3)}:… has no effect: ${this.reloadSignal} reloads (--reload-signal) instead of being forwarded` };
    }
    return {
      listen: this.listen,
      backlog: this.backlog,
      backlogGiven: this.given.has('--backlog'),
      socketMode: this.socketMode,
      reloadSignal: this.reloadSignal,
      readiness: this.readiness,
      readyTimeout: this.readyTimeout,
    };
  }
}
