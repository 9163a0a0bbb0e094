import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { ProcessTree } from '../process/process-tree.js';
import { childExit } from '../process/terminate.js';
import type { ChildExit, Termination } from '../process/terminate.js';
import type { HeldSocket } from './listening-sockets.js';
import { debugLog } from '../index.js';
import { isDrainedMessage } from '../http/supervisor-channel.js';
import type { DrainedMessage } from '../http/supervisor-channel.js';

/**
 * `LISTEN_PID` must be the pid of the process reading it, which a parent only
 * learns after the fork, when the environment is already fixed. A shell that
 * sets it to its own pid (`$$`) and then execs the command (same pid) gets
 * it right (research: reload-and-supervisors §A4, measured).
 */
const SET_LISTEN_PID = 'LISTEN_PID=$$ exec "$0" "$@"';

/** One running instance of the command, with the sockets and its IPC channel. */
export class Generation {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly tree: ProcessTree;
  readonly exit: ChildExit;
  readonly startedAt = performance.now();
  /** Resolves when the generation sends `'ready'` over IPC. */
  readonly readyMessage: Promise<void>;
  /** The drains it reported (one per server). */
  readonly drains: DrainedMessage[] = [];
  /** It was sent the stop signal (by a reload or by a terminating signal): it gets it only once. */
  askedToStop = false;
  /** Its stop under --timeout, once started: waits for it, then kills what is left. */
  stopping: Promise<Termination> | undefined;

  private constructor(
    readonly number: number,
    child: ChildProcess & { pid: number },
  ) {
    this.child = child;
    this.pid = child.pid;
    this.exit = childExit(child);
    // Not the sole child: the reload supervisor runs two generations at a time.
    this.tree = new ProcessTree(child.pid, { wholeTree: true, soleChild: false });
    this.readyMessage = new Promise((resolve) => {
      child.on('message', (message: unknown) => {
        if (message === 'ready') {
          debugLog(() => `${this}: 'ready' received after ${this.age()} ms`);
          resolve();
        } else if (isDrainedMessage(message)) {
          debugLog(() => `${this}: drain report: ${JSON.stringify(message)}`);
          this.drains.push(message);
        }
      });
    });
    // The channel fails when the child dies while a message is on its way: nothing to do about it.
    child.on('error', (error) => debugLog(() => `${this}: ${error.message}`));
  }

  /**
   * Starts generation `number` of the command with the sockets as fds 3, 4, …
   * (LISTEN_FDS, LISTEN_FDNAMES, LISTEN_PID, as systemd passes them) and an IPC
   * channel after them. Throws what `spawn()` throws.
   */
  static start(number: number, command: string, args: readonly string[], sockets: readonly HeldSocket[], group: boolean, backlog: number | undefined): Generation {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const name of ['LISTEN_PID', 'LISTEN_PIDFDID', 'LISTEN_FDS', 'LISTEN_FDNAMES', 'FAREWELL_LISTEN_BACKLOG']) delete env[name];
    Object.assign(env, {
      LISTEN_FDS: String(sockets.length),
      LISTEN_FDNAMES: sockets.map((socket) => socket.name).join(':'),
      FAREWELL_SUPERVISOR_PID: String(process.pid),
      FAREWELL_GENERATION: String(number),
      ...(backlog === undefined ? {} : { FAREWELL_LISTEN_BACKLOG: String(backlog) }),
    });
    const child = spawn('/bin/sh', ['-c', SET_LISTEN_PID, command, ...args], {
      stdio: ['inherit', 'inherit', 'inherit', ...sockets.map((socket) => socket.fd), 'ipc'],
      detached: group,
      env,
    });
    if (child.pid === undefined) throw new Error(`cannot start /bin/sh to run '${command}'`);
    const generation = new Generation(number, child as ChildProcess & { pid: number });
    debugLog(() => `${generation}: started '${command}' with ${sockets.length} socket(s)`);
    return generation;
  }

  /** Milliseconds since it was started. */
  age(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  /** The generation and every process it started, for finding who answered a request. */
  pids(): number[] {
    this.tree.scan();
    return this.exit.done ? this.tree.aliveMembers() : [this.pid, ...this.tree.aliveMembers()];
  }

  toString(): string {
    return `generation ${this.number} (pid ${this.pid})`;
  }
}

/**
 * Whether `command` can be executed, found as execvp(3) finds it: with a
 * slash, that file; else the first executable file of that name in PATH.
 * Checked before the first start, because the shell that sets LISTEN_PID
 * would otherwise print its own message for a command it cannot run.
 */
export function findCommand(command: string): 'found' | 'ENOENT' | 'EACCES' {
  const candidates = command.includes('/') ? [command] : (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter).map((dir) => join(dir || '.', command));
  let exists = false;
  for (const candidate of candidates) {
    try {
      if (!statSync(candidate).isFile()) {
        exists = true;
        continue;
      }
      exists = true;
      accessSync(candidate, constants.X_OK);
      return 'found';
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EACCES') exists = true;
    }
  }
  return exists ? 'EACCES' : 'ENOENT';
}
