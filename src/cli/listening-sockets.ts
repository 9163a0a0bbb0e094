import { spawnSync } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import { connect, isIP } from 'node:net';
import { getSystemErrorMap } from 'node:util';
import { BindError, bindTcp, bindUnix } from './bound-socket.js';
import type { BoundSocket } from './bound-socket.js';
import type { ListenSpec } from './listen-spec.js';
import type { ReloadOptions } from './reload-arguments.js';
import { debugLog } from '../index.js';
import { readEnvironment } from '../http/inherited-sockets.js';
import type { InheritedSocket } from '../http/inherited-sockets.js';

/** A listening socket the CLI holds for the whole run and hands to every generation. */
export interface HeldSocket {
  readonly fd: number;
  /** Its name in LISTEN_FDNAMES. */
  readonly name: string;
  /** How messages name it: the --listen text, with the port chosen for port 0. */
  readonly description: string;
  /** Closes the CLI's copy (at the very end); a Unix socket file the CLI created is removed. */
  close(): void;
}

/** Opening a socket failed; the message names the --listen value and the cause. */
export class ListenError extends Error {
  override name = 'ListenError';
}

/** systemd passes sockets from fd 3 up (SD_LISTEN_FDS_START). */
const FIRST_INHERITED_FD = 3;

/**
 * Opens every `--listen` socket before anything is started: binds it in this
 * process without accepting (bound-socket.ts), then makes it listen with
 * `backlog` in a short-lived helper process, so connections queue from now on,
 * also while no generation accepts (systemd's socket activation does the
 * same). On any failure, closes what was opened and throws a ListenError.
 */
export async function openSockets(options: ReloadOptions): Promise<HeldSocket[]> {
  const held: HeldSocket[] = [];
  try {
    for (const spec of options.listen) {
      if (spec.kind === 'systemd') return adoptSystemdSockets();
      held.push(spec.kind === 'tcp' ? await openTcp(spec) : await openUnix(spec, options.socketMode));
    }
    startListening(held, options.backlog);
  } catch (error) {
    for (const socket of held) socket.close();
    throw error;
  }
  debugLog(() => `listening on ${held.map((socket) => `${socket.description} (fd ${socket.fd}, ${socket.name})`).join(', ')}, backlog ${options.backlog}`);
  return held;
}

async function openTcp(spec: Extract<ListenSpec, { kind: 'tcp' }>): Promise<HeldSocket> {
  let host = spec.host;
  if (host !== undefined && isIP(host) === 0) {
    try {
      host = (await lookup(host)).address; // the first address, as server.listen(port, host) takes it
    } catch (error) {
      throw new ListenError(`--listen '${spec.text}': cannot resolve '${spec.host}' (${(error as NodeJS.ErrnoException).code})`);
    }
  }
  const bound = bind(spec.text, () => bindTcp(host, spec.port));
  const shown = host === undefined ? `*:${bound.port}` : net6(host) ? `[${host}]:${bound.port}` : `${host}:${bound.port}`;
  return { fd: bound.fd, name: spec.name ?? 'unknown', description: spec.port === 0 ? `${spec.text} (${shown})` : spec.text, close: () => bound.close() };
}

async function openUnix(spec: Extract<ListenSpec, { kind: 'unix' }>, mode: number): Promise<HeldSocket> {
  // libuv reports a missing directory as EACCES (for Windows' sake): say what it is.
  if (!existsSync(dirname(spec.path))) throw new ListenError(`--listen '${spec.text}': the directory ${dirname(spec.path)} does not exist`);
  await removeStaleSocket(spec);
  const bound = bind(spec.text, () => bindUnix(spec.path));
  try {
    chmodSync(spec.path, mode);
  } catch (error) {
    bound.close();
    throw new ListenError(`--listen '${spec.text}': cannot set its mode to ${mode.toString(8)}: ${describeErrno((error as NodeJS.ErrnoException).code)}`);
  }
  return { fd: bound.fd, name: spec.name ?? 'unknown', description: spec.text, close: () => bound.close() };
}

/**
 * A socket file left by a process that died without removing it refuses
 * connections: remove it. One that accepts is in use: refuse to start.
 * Anything else at that path is not ours to delete.
 */
async function removeStaleSocket(spec: Extract<ListenSpec, { kind: 'unix' }>): Promise<void> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(spec.path).isSocket();
  } catch {
    return; // nothing there (or nothing we can see: bind will say)
  }
  if (!isSocket) throw new ListenError(`--listen '${spec.text}': ${spec.path} exists and is not a socket`);
  const answer = await new Promise<string>((resolve) => {
    const probe = connect(spec.path);
    probe.once('connect', () => {
      probe.destroy();
      resolve('connected');
    });
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
  if (answer === 'connected') throw new ListenError(`--listen '${spec.text}': another process is listening on ${spec.path}`);
  if (answer !== 'ECONNREFUSED') throw new ListenError(`--listen '${spec.text}': cannot check ${spec.path}: ${describeErrno(answer)}`);
  debugLog(() => `removing the stale socket ${spec.path} (nothing listens on it)`);
  unlinkSync(spec.path);
}

function bind(text: string, bindSocket: () => BoundSocket): BoundSocket {
  try {
    return bindSocket();
  } catch (error) {
    if (error instanceof BindError) throw new ListenError(`--listen '${text}': ${describeErrno(error.code)}`);
    throw error;
  }
}

// The helper: listen(2) on each inherited socket, then exit before the event
// loop ever polls, so it never accepts. Listening is a state of the socket,
// not of the process: it stays after the helper's descriptors are closed.
// Node.js takes the backlog of `{ fd }` from the second argument only.
const LISTEN_HELPER = `
const net = require('node:net');
const [backlog, count] = process.argv.slice(1).map(Number);
for (let fd = 3; fd < 3 + count; fd++) {
  const server = new net.Server();
  server.on('error', (error) => { process.stderr.write(fd + ' ' + error.code + '\\n'); process.exitCode = 1; });
  server.listen({ fd }, backlog);
}
process.nextTick(() => process.exit());
`;

/** Makes the bound sockets listen (listen(2) with `backlog`) in a helper process, without accepting. */
function startListening(sockets: readonly HeldSocket[], backlog: number): void {
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // a --require of the user's must not run in the helper
  const result = spawnSync(process.execPath, ['-e', LISTEN_HELPER, String(backlog), String(sockets.length)], {
    stdio: ['ignore', 'ignore', 'pipe', ...sockets.map((socket) => socket.fd)],
    env,
    encoding: 'utf8',
  });
  if (result.status === 0) return;
  const failure = /^(\d+) (\w+)$/m.exec(result.stderr ?? '');
  const socket = failure === null ? undefined : sockets[Number(failure[1]) - FIRST_INHERITED_FD];
  if (socket !== undefined) throw new ListenError(`--listen '${socket.description}': ${describeErrno(failure![2])}`);
  throw new ListenError(`cannot start listening: the helper process ended with ${result.status ?? result.signal}: ${result.error?.message ?? result.stderr}`);
}

/**
 * `--listen systemd`: the sockets systemd passed to the CLI itself, checked as
 * `sd_listen_fds()` checks them (research: reload-and-supervisors §A4). They
 * already listen; the CLI keeps them (Node.js marked them close-on-exec at
 * start-up, so only the generations it hands them to get them).
 */
function adoptSystemdSockets(): HeldSocket[] {
  const { LISTEN_PID: pid, LISTEN_FDS: count } = process.env;
  if (count === undefined || pid !== String(process.pid)) {
    throw new ListenError(`--listen systemd: no sockets were passed to this process (LISTEN_FDS is ${count ?? 'not set'}, LISTEN_PID is ${pid ?? 'not set'}, this process is ${process.pid})`);
  }
  let inherited: InheritedSocket[];
  try {
    inherited = readEnvironment(process.env, process.pid);
  } catch (error) {
    throw new ListenError(`--listen systemd: ${(error as Error).message}`);
  }
  const sockets = inherited.map(({ fd, name }) => ({ fd, name, description: `systemd fd ${fd} (${name})`, close: () => {} }));
  debugLog(() => `adopted ${sockets.length} socket(s) from systemd: ${sockets.map((socket) => socket.description).join(', ')}`);
  return sockets;
}

/** "address already in use (EADDRINUSE)". */
function describeErrno(code: string | undefined): string {
  if (code === undefined) return 'unknown error';
  for (const [name, message] of getSystemErrorMap().values()) if (name === code) return `${message} (${code})`;
  return code;
}

function net6(host: string): boolean {
  return isIP(host) === 6;
}
