import { isatty } from 'node:tty';
import { readProcess } from '../process/process-table.js';

/**
 * Signals a terminal sends to its whole foreground process group: Ctrl+C
 * (SIGINT), Ctrl+\ (SIGQUIT), a resize (SIGWINCH), a hangup (SIGHUP, also
 * relayed by the shell to each job's group).
 */
export const TERMINAL_SIGNALS: ReadonlySet<NodeJS.Signals> = new Set(['SIGINT', 'SIGQUIT', 'SIGWINCH', 'SIGHUP']);

/**
 * Whether this process is in the foreground process group of its controlling
 * terminal. Then a terminal signal has reached every process of the group,
 * a command sharing the group included, and forwarding it would deliver it
 * twice (a farewell program takes a second Ctrl+C as "force now").
 * Linux reads the terminal's foreground group (`tpgid`) from /proc; elsewhere,
 * any of stdin/stdout/stderr being a terminal is taken as a yes.
 */
export function isInTerminalForeground(): boolean {
  const self = process.platform === 'linux' ? readProcess(process.pid) : undefined;
  if (self !== undefined) return self.foregroundPgid > 0 && self.foregroundPgid === self.pgid;
  return isatty(0) || isatty(1) || isatty(2);
}
