import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { writeSync } from 'node:fs';
import { ProcessTree } from '../process/process-tree.js';
import { sendSignal } from '../process/signal-tree.js';
import { childExit, stopWatchedTree } from '../process/terminate.js';
import type { ChildExit, Termination } from '../process/terminate.js';
import { nodeProcess } from '../process-facade.js';
import { reraiseSignal, signalExitStatus, signalNumber } from '../signals.js';
import { formatDuration } from '../output/format-duration.js';
import type { SupervisorOptions } from './parse-arguments.js';
import { FORWARDED_SIGNALS, TERMINATING_SIGNALS } from './signal-names.js';
import { isInTerminalForeground, TERMINAL_SIGNALS } from './terminal.js';
import { EXIT_CANNOT_EXECUTE, EXIT_NOT_FOUND } from './usage.js';

/** Writes one line of the CLI's own on stderr, synchronously (the process may end right after). */
export function say(message: string): void {
  try {
    writeSync(2, `farewell: ${message}\n`);
  } catch {
    // stderr is closed: nowhere to say it.
  }
}

/**
 * Runs the command and mirrors its end. Signal listeners are installed before
 * the command starts, so no signal in between ends this process by default
 * (which would leave the command running, unsupervised).
 */
export function supervise(options: SupervisorOptions): void {
  const { command, args, timeout, group, rewrites } = options;
  let child: ChildProcess | undefined;
  let watched: { tree: ProcessTree; exit: ChildExit } | undefined;
  let stopping: Promise<void> | undefined;

  const forward = (signal: NodeJS.Signals): void => {
    if (watched === undefined) return;
    if (group) sendSignal(-watched.tree.rootPid, signal);
    else if (!watched.exit.done) sendSignal(watched.tree.rootPid, signal);
  };

  const stop = (what: string, stopSignal: NodeJS.Signals | undefined, reason: NodeJS.Signals): void => {
    if (watched === undefined || stopping !== undefined) return;
    stopping = stopWatchedTree(watched.tree, watched.exit, stopSignal, timeout, undefined).then((result) =>
      reportKilled(what, reason, timeout, result),
    );
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    const terminating = TERMINATING_SIGNALS.has(signal);
    // Look for the command's descendants before it can die of this signal:
    // afterwards they are re-parented and no longer found.
    if (terminating && stopping === undefined) watched?.tree.scan();
    const deliveredByTerminal = !group && TERMINAL_SIGNALS.has(signal) && isInTerminalForeground();
    if (!deliveredByTerminal) forward(rewrites.get(signal) ?? signal);
    if (terminating) stop(`'${command}'`, undefined, signal);
  };
  // Windows knows only some of these (no SIGQUIT, SIGUSR1, SIGUSR2): listen to those it has.
  const listened = FORWARDED_SIGNALS.filter((signal) => signalNumber(signal) !== undefined && addSignalListener(signal, onSignal));

  try {
    child = spawn(command, args, { stdio: 'inherit', detached: group });
  } catch (error) {
    // Arguments spawn refuses outright (a NUL byte in an argument).
    return failToStart(command, error);
  }
  if (child.pid === undefined) {
    child.once('error', (error) => failToStart(command, error));
    return;
  }
  const exit = childExit(child);
  // The command is farewell's only child: as PID 1 (a container's ENTRYPOINT),
  // the processes re-parented to farewell come from the command's tree.
  watched = { tree: new ProcessTree(child.pid, { wholeTree: true, soleChild: true }), exit };
  void exit.promise.then(async () => {
    if (stopping === undefined && group && watched !== undefined) {
      // The command is gone but may have left processes in its group
      // (background jobs, daemons): with --group they are stopped as well.
      watched.tree.rootExited();
      watched.tree.scan();
      if (!watched.tree.isEmpty()) stop(`processes left in the group of '${command}'`, 'SIGTERM', 'SIGTERM');
    }
    await stopping;
    end(exit);
  });

  function end({ code, signal }: ChildExit): void {
    for (const forwarded of listened) process.off(forwarded, onSignal);
    if (signal === null) process.exit(code ?? 1);
    dieBySignal(signal);
  }
}

/** Listens to `signal`; false when this platform cannot watch it. */
export function addSignalListener(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): boolean {
  try {
    process.on(signal, listener);
    return true;
  } catch {
    return false; // libuv cannot watch this signal here
  }
}

export function failToStart(command: string, error: unknown): never {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') {
    say(`${command}: command not found`);
    process.exit(EXIT_NOT_FOUND);
  }
  say(`${command}: cannot execute: ${(error as Error).message}`);
  return process.exit(EXIT_CANNOT_EXECUTE);
}

export function reportKilled(what: string, reason: NodeJS.Signals, timeout: number, result: Termination): void {
  if (result.killed) {
    const pids = result.killedPids.length > 0 ? ` (pid${result.killedPids.length === 1 ? '' : 's'} ${result.killedPids.join(', ')})` : '';
    say(`${what} did not stop within ${formatDuration(timeout)} after ${reason}: killed with SIGKILL${pids}`);
  }
  if (result.survivingPids.length > 0) say(`could not kill pids ${result.survivingPids.join(', ')}`);
  if (result.unattributedPids.length > 0) {
    const pids = result.unattributedPids;
    say(`left running pid${pids.length === 1 ? '' : 's'} ${pids.join(', ')}: started after ${what} in farewell's session and lost their parent, so they may come from its tree (--group stops them)`);
  }
}

/**
 * Ends this process by `signal`, as the command did, so that our parent sees
 * a signal death (a shell stops a script on Ctrl+C only then: research
 * cross-language §6.4). The re-raise is the core's (signals.ts). Where it
 * cannot end the process (PID 1 ignores signals it has no handler for;
 * Windows has no real signals), exits with 128 + n.
 */
export function dieBySignal(signal: NodeJS.Signals): never {
  reraiseSignal(nodeProcess(), signal);
  process.exit(signalExitStatus(signal));
}

