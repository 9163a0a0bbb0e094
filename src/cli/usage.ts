import { formatDuration } from '../output/format-duration.js';
import { DEFAULT_BACKLOG, DEFAULT_READY_TIMEOUT_MS, DEFAULT_SOCKET_MODE } from './reload-arguments.js';
import { FORWARDED_SIGNALS } from './signal-names.js';

/** The default of --timeout: the same as the library's global exit deadline. */
export const DEFAULT_CLI_TIMEOUT_MS = 10_000;

/** Exit statuses of the CLI itself (the shell's conventions, sysexits.h). */
export const EXIT_USAGE = 64;
export const EXIT_CANNOT_EXECUTE = 126;
export const EXIT_NOT_FOUND = 127;

/** The text of `farewell --help`. */
export function usage(): string {
  const signals = FORWARDED_SIGNALS.map((signal) => signal.slice(3)).join(', ');
  return `Usage: farewell [options] [--] command [args...]

Runs command (without a shell) with stdin, stdout and stderr passed through,
forwards signals to it, and exits the way it did: with its exit status, or
by the same signal.

Forwarded signals: ${signals}.
On INT, TERM, HUP or QUIT the command has --timeout to end; then it and
every process it started are killed with SIGKILL, and a line on stderr says so.

Options:
  -t, --timeout DURATION   time to stop after a terminating signal before
                           SIGKILL (default ${formatDuration(DEFAULT_CLI_TIMEOUT_MS)}). Units: ms, s, m, h;
                           a bare number is seconds.
  -g, --group              run the command in its own process group (a new
                           session) and send signals to the whole group; when
                           the command ends, what is left of its group is
                           stopped too.
  -r, --rewrite FROM:TO    forward signal FROM as TO, e.g. TERM:INT for a
                           program that only handles Ctrl+C. Repeatable.

Zero-downtime reload (docs/reload.md):
  -l, --listen SPEC        open this listening socket before starting the
                           command and pass it on as systemd does (fd 3 up,
                           LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID). SPEC: PORT,
                           HOST:PORT, [IPv6]:PORT, unix:PATH, each optionally
                           NAME=SPEC; or systemd (the sockets systemd passed
                           to farewell). Repeatable.
      --backlog N          listen backlog (default ${DEFAULT_BACKLOG}).
      --socket-mode MODE   mode of unix: sockets (default ${DEFAULT_SOCKET_MODE.toString(8)}).
      --reload-signal SIG  reload on SIG (default HUP): start a new
                           generation on the same sockets, and once it is
                           ready, stop the old one (SIGTERM, --timeout).
      --ready-url URL      a generation is ready when URL answers 200 from
                           it (default: when it sends 'ready' over IPC).
      --ready-delay DUR    a generation is ready DUR after its start.
      --ready-timeout DUR  a generation not ready by then is stopped and the
                           old one keeps serving (default ${formatDuration(DEFAULT_READY_TIMEOUT_MS)}).

  -h, --help               print this help and exit.
  -v, --version            print the version and exit.

Exit status: the command's; the command's signal (or 128 + its number where
dying by it is impossible, e.g. as PID 1); ${EXIT_USAGE} for a bad option;
${EXIT_NOT_FOUND} when the command is not found; ${EXIT_CANNOT_EXECUTE} when it cannot be executed;
1 when a --listen socket cannot be opened.

Not done: reaping orphaned processes as PID 1 (use \`docker run --init\`),
passing Ctrl+Z through with --group, surviving SIGKILL of farewell itself.
`;
}
