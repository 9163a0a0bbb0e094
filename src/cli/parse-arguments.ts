import { parseDuration } from './duration.js';
import { ReloadArguments } from './reload-arguments.js';
import type { ReloadOptions } from './reload-arguments.js';
import { FORWARDED_SIGNALS, parseSignal } from './signal-names.js';
import { DEFAULT_CLI_TIMEOUT_MS } from './usage.js';

/** A command line the CLI cannot run; the message says why. Exit status 64. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** What to run, and how. */
export interface SupervisorOptions {
  readonly command: string;
  readonly args: readonly string[];
  /** Milliseconds between the first terminating signal and SIGKILL. */
  readonly timeout: number;
  /** Run the command as the leader of its own process group, and signal the group. */
  readonly group: boolean;
  /** Signals forwarded as another signal. */
  readonly rewrites: ReadonlyMap<NodeJS.Signals, NodeJS.Signals>;
  /** With `--listen`: hold the sockets and reload on a signal (docs/reload.md). */
  readonly reload: ReloadOptions | undefined;
}

export type ParsedArguments = { readonly kind: 'help' } | { readonly kind: 'version' } | ({ readonly kind: 'run' } & SupervisorOptions);

/**
 * Parses `[options] [--] command [args...]`. Options end at `--` or at the
 * first argument that is not an option; everything after is the command's.
 * Throws a UsageError for anything wrong.
 */
export function parseArguments(argv: readonly string[]): ParsedArguments {
  let timeout = DEFAULT_CLI_TIMEOUT_MS;
  let group = false;
  const rewrites = new Map<NodeJS.Signals, NodeJS.Signals>();
  const reloadArguments = new ReloadArguments();
  let index = 0;
  for (; index < argv.length; index++) {
    const argument = argv[index]!;
    if (argument === '--') {
      index++;
      break;
    }
    if (!argument.startsWith('-') || argument === '-') break;
    const equals = argument.startsWith('--') ? argument.indexOf('=') : -1;
    const name = equals === -1 ? argument : argument.slice(0, equals);
    const value = (): string => {
      if (equals !== -1) return argument.slice(equals + 1);
      const next = argv[index + 1];
      if (next === undefined) throw new UsageError(`option ${name} needs a value`);
      index++;
      return next;
    };
    const noValue = (): void => {
      if (equals !== -1) throw new UsageError(`option ${name} takes no value`);
    };
    switch (name) {
      case '-h':
      case '--help':
        noValue();
        return { kind: 'help' };
      case '-v':
      case '--version':
        noValue();
        return { kind: 'version' };
      case '-g':
      case '--group':
        noValue();
        group = true;
        break;
      case '-t':
      case '--timeout': {
        const text = value();
        const parsed = parseDuration(text);
        if ('problem' in parsed) throw new UsageError(`invalid --timeout '${text}': ${parsed.problem}`);
        timeout = parsed.ms;
        break;
      }
      case '-r':
      case '--rewrite': {
        const text = value();
        const [fromText, toText, extra] = text.split(':');
        const from = fromText === undefined ? undefined : parseSignal(fromText);
        const to = toText === undefined ? undefined : parseSignal(toText);
        if (extra !== undefined || from === undefined || to === undefined) {
          throw new UsageError(`invalid --rewrite '${text}': expected FROM:TO with two signals, e.g. TERM:INT`);
        }
        if (!FORWARDED_SIGNALS.includes(from)) {
          throw new UsageError(`invalid --rewrite '${text}': ${from} is not forwarded; only ${FORWARDED_SIGNALS.join(', ')} are`);
        }
        rewrites.set(from, to);
        break;
      }
      default: {
        if (name === '-l') {
          const problem = reloadArguments.take('--listen', value());
          if (problem !== undefined) throw new UsageError(problem);
          break;
        }
        if (!reloadArguments.accepts(name)) throw new UsageError(`unknown option '${name}'`);
        const problem = reloadArguments.take(name, value());
        if (problem !== undefined) throw new UsageError(problem);
      }
    }
  }
  const [command, ...args] = argv.slice(index);
  if (command === undefined) throw new UsageError('no command given');
  if (command === '') throw new UsageError('the command is an empty string');
  const reload = reloadArguments.finish(new Set(rewrites.keys()));
  if (reload !== undefined && 'problem' in reload) throw new UsageError(reload.problem);
  return { kind: 'run', command, args, timeout, group, rewrites, reload };
}
