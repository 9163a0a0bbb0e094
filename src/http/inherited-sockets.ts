import { fstatSync } from 'node:fs';
import { debugLog } from '../index.js';

/**
 * A listening socket this process was started with: by systemd socket
 * activation, or by the farewell CLI's `--listen`.
 */
export interface InheritedSocket {
  /** The file descriptor: 3 for the first socket, 4 for the second, … */
  readonly fd: number;
  /** Its name from `LISTEN_FDNAMES` (systemd's `FileDescriptorName=`, the CLI's `--listen NAME=…`), else `'unknown'`. */
  readonly name: string;
}

/** systemd's SD_LISTEN_FDS_START: inherited sockets start at fd 3, one after another. */
const FIRST_FD = 3;

/** The variables of the protocol: all are removed once read, so child processes do not take them for theirs. */
const PROTOCOL_VARIABLES = ['LISTEN_PID', 'LISTEN_PIDFDID', 'LISTEN_FDS', 'LISTEN_FDNAMES'];

interface InheritedState {
  readonly sockets: readonly InheritedSocket[];
  /** Why the variables could not be used: thrown again on every call, never forgotten. */
  readonly problem: Error | undefined;
  /** Sockets already given to a server by `listen()`. */
  readonly taken: Set<number>;
}

// Read once per process, shared by the ESM and CommonJS copies of the
// package: the first read removes the variables from the environment.
const STATE_KEY = Symbol.for('farewell.http.inheritedSockets@1');

/**
 * The listening sockets this process inherited, following systemd's
 * `sd_listen_fds()` (research: reload-and-supervisors §A4): `LISTEN_PID`
 * must be this process's pid (else the variables were meant for an ancestor
 * and are ignored), `LISTEN_FDS` counts the sockets from fd 3 up, and
 * `LISTEN_FDNAMES` names them, separated by colons. The first call reads and
 * removes these variables from `process.env` (so processes this one starts do
 * not mistake them for their own); later calls return the same list.
 * Empty when the process inherited nothing.
 *
 * Throws an Error when the variables are malformed or a descriptor is not an
 * open socket: a half-configured unit must not fall back to another port silently.
 */
export function inheritedSockets(): readonly InheritedSocket[] {
  return inheritedState().sockets;
}

/** The shared state, read from the environment on first use; throws what was wrong with it. */
export function inheritedState(): InheritedState {
  const state = readState();
  if (state.problem !== undefined) throw state.problem;
  return state;
}

function readState(): InheritedState {
  const global = globalThis as Record<symbol, InheritedState | undefined>;
  const existing = global[STATE_KEY];
  if (existing !== undefined) return existing;
  let sockets: readonly InheritedSocket[] = [];
  let problem: Error | undefined;
  try {
    sockets = readEnvironment(process.env, process.pid);
  } catch (error) {
    problem = error as Error;
  } finally {
    for (const name of PROTOCOL_VARIABLES) delete process.env[name];
  }
  const state: InheritedState = { sockets, problem, taken: new Set() };
  global[STATE_KEY] = state;
  return state;
}

/**
 * The sockets `env` says process `pid` inherited, checked as `sd_listen_fds()`
 * checks them: none without LISTEN_FDS or for another LISTEN_PID; an Error
 * for a malformed LISTEN_FDS or LISTEN_FDNAMES, or a descriptor that is not an
 * open socket. Used by `inheritedSockets()` and by the CLI's `--listen systemd`.
 */
export function readEnvironment(env: NodeJS.ProcessEnv, pid: number): InheritedSocket[] {
  const { LISTEN_PID: listenPid, LISTEN_FDS: listenFds, LISTEN_FDNAMES: listenFdNames } = env;
  if (listenFds === undefined) return [];
  // As sd_listen_fds(): without LISTEN_PID, or with another pid, the sockets are not ours.
  if (listenPid !== String(pid)) {
    debugLog(() => `inherited sockets: LISTEN_FDS=${listenFds} ignored: LISTEN_PID is ${listenPid ?? 'not set'}, this process is ${pid}`);
    return [];
  }
  if (!/^[1-9]\d{0,5}$/.test(listenFds)) {
    throw new Error(`LISTEN_FDS is '${listenFds}': expected the number of inherited sockets (1 or more)`);
  }
  const count = Number(listenFds);
  const names = listenFdNames === undefined ? [] : listenFdNames.split(':');
  if (listenFdNames !== undefined && names.length !== count) {
    throw new Error(`LISTEN_FDNAMES is '${listenFdNames}': ${names.length} name${names.length === 1 ? '' : 's'} for LISTEN_FDS=${count} sockets`);
  }
  const sockets: InheritedSocket[] = [];
  for (let index = 0; index < count; index++) {
    const fd = FIRST_FD + index;
    if (!isSocket(fd)) throw new Error(`LISTEN_FDS=${count} says fd ${fd} is an inherited socket, but it is not an open socket`);
    sockets.push({ fd, name: names[index] || 'unknown' });
  }
  debugLog(() => `inherited sockets: ${sockets.map(({ fd, name }) => `fd ${fd} (${name})`).join(', ')}`);
  return sockets;
}

function isSocket(fd: number): boolean {
  try {
    return fstatSync(fd).isSocket();
  } catch {
    return false;
  }
}

/** The CLI's `--backlog`, passed on to the command. */
export function backlogFromSupervisor(): number | undefined {
  const text = process.env.FAREWELL_LISTEN_BACKLOG;
  return text !== undefined && /^\d{1,10}$/.test(text) && isBacklog(Number(text)) ? Number(text) : undefined;
}

/** The largest backlog listen(2) takes (an int). */
export const MAX_BACKLOG = 2 ** 31 - 1;

/** A backlog listen(2) takes: an integer from 1 to MAX_BACKLOG. The CLI's --backlog and listen()'s options.backlog accept the same. */
export function isBacklog(value: number): boolean {
  return Number.isInteger(value) && value >= 1 && value <= MAX_BACKLOG;
}
