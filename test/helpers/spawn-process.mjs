import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { finished } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RUNTIME } from './runtime.mjs';

/** Calls `onLine` with each complete line of a stream (a trailing \r from a pty is dropped). */
function splitLines(stream, onLine) {
  let pending = '';
  stream.on('data', (chunk) => {
    pending += chunk.toString('latin1');
    for (let newline; (newline = pending.indexOf('\n')) !== -1; pending = pending.slice(newline + 1)) {
      onLine(pending.slice(0, newline).replace(/\r$/, ''));
    }
  });
}

/**
 * Reads `stream` into `onData` from now, or from `delayMs` on (a slow reader:
 * until then the writer's pipe fills). `readRest()` starts reading at once,
 * for a process that ended before the delay, and resolves when all is read.
 * Meanwhile a 'readable' listener that reads nothing keeps Node from
 * discarding the output of a child that exits first (it resumes stdio
 * streams nobody listens to); the stream buffers one highWaterMark at most.
 */
function readLater(stream, delayMs, onData) {
  // A stdio entry given as a file descriptor has no stream here.
  if (stream === null) return { readRest: () => Promise.resolve() };
  let reading = false;
  const hold = () => {};
  const start = () => {
    if (reading) return;
    reading = true;
    clearTimeout(timer);
    stream.off('readable', hold);
    stream.on('data', onData);
    // A 'readable' listener left the stream paused: 'data' alone would not resume it.
    stream.resume();
  };
  if (delayMs > 0) stream.on('readable', hold);
  const timer = delayMs > 0 ? setTimeout(start, delayMs) : undefined;
  if (delayMs <= 0) start();
  return {
    readRest() {
      start();
      return finished(stream).catch(() => {});
    },
  };
}

/**
 * Deno's node:fs reaches no inherited fd beyond 0–2, so a scenario under Deno
 * writes its events by opening /dev/fd/3 (scenario-helpers.cjs). That works
 * for a pipe, not for the socket pair Node makes of a 'pipe' stdio entry:
 * under Deno, fd 3 is a named pipe instead, unlinked at once.
 */
function namedPipeForEvents() {
  const dir = mkdtempSync(join(tmpdir(), 'farewell-events-'));
  const path = join(dir, 'events');
  try {
    execFileSync('mkfifo', [path]);
    // The reading end first, without blocking; then the writing end, which does not block once a reader exists.
    const readFd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const writeFd = openSync(path, constants.O_WRONLY);
    return { reader: new Socket({ fd: readFd, readable: true, writable: false }), writeFd };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Spawns `command args` with stdin, stdout, stderr and an events pipe on fd 3
 * (scenarios write side effects there, so stdout and stderr stay exact).
 * Returns { child, done }; `done` resolves once the process has exited with
 * { code, signal, stdout (Buffer), stderr, lines, events (of fd 3), ms }.
 * With `lines: true` stdout is also split into `lines` (off by default: a
 * program writing megabytes without newlines would pile up one string).
 * `onLine(line, child)` (implies `lines`) and `onEvent(event, child)` see
 * lines as they arrive (send signals from there); `onSpawn(child)` sees the
 * child at once. `readStdoutAfterMs` makes a slow reader: stdout is not
 * read until then; `readStderrAfterMs` does the same for stderr. `stdio`
 * replaces some of the four pipes, e.g. `[undefined, fd]` to give the child
 * a file descriptor as stdout. The child is SIGKILLed after `limitMs`, and
 * `done` then rejects: a hang is a failure, never a pass. `detached: true`
 * starts it in a session of its own, away from the processes other tests
 * start in the test runner's session (its group is then killed on a hang).
 */
export function spawnProcess(command, args, { env, cwd, stdin, stdio = [], detached = false, lines: splitStdout = false, onLine, onEvent, onSpawn, readStdoutAfterMs = 0, readStderrAfterMs = 0, limitMs = 20_000 } = {}) {
  const started = performance.now();
  const namedPipe = RUNTIME.name === 'deno' && stdio[3] === undefined ? namedPipeForEvents() : undefined;
  const pipes = ['pipe', 'pipe', 'pipe', namedPipe?.writeFd ?? 'pipe'];
  const child = spawn(command, args, { stdio: pipes.map((pipe, fd) => stdio[fd] ?? pipe), env, cwd, detached });
  if (namedPipe !== undefined) closeSync(namedPipe.writeFd);
  const eventStream = namedPipe?.reader ?? child.stdio[3];
  // Node waits for its own pipes before 'close', not for the named pipe: wait for its end too.
  const eventsEnded = namedPipe === undefined ? Promise.resolve() : new Promise((resolve) => eventStream.once('close', resolve));
  const stdout = [];
  const lines = [];
  const events = [];
  let stderr = '';
  // Until something listens, the parent does not read: the child's pipe fills.
  const stdoutReader = readLater(child.stdout, readStdoutAfterMs, (chunk) => stdout.push(chunk));
  if (splitStdout || onLine !== undefined) {
    splitLines(child.stdout, (line) => {
      lines.push(line);
      onLine?.(line, child);
    });
  }
  splitLines(eventStream, (event) => {
    events.push(event);
    onEvent?.(event, child);
  });
  const stderrReader = readLater(child.stderr, readStderrAfterMs, (chunk) => (stderr += chunk));
  if (stdin !== undefined) child.stdin.end(stdin);
  onSpawn?.(child);
  const done = new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      if (detached) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      child.kill('SIGKILL');
      // Descendants may hold the pipes open: let go of them, or the test file could never end.
      for (const stream of [...child.stdio, eventStream]) stream?.destroy();
      reject(new Error(`${command} ${args.join(' ')} still running after ${limitMs} ms; events: ${events.join(' | ')}; stdout: ${lines.join(' | ')}; stderr: ${stderr}`));
    }, limitMs);
    child.on('error', reject);
    child.on('close', async (code, signal) => {
      const ms = performance.now() - started;
      // A program that ended before a slow reader started left its output in the pipe.
      await Promise.all([eventsEnded, stdoutReader.readRest(), stderrReader.readRest()]);
      clearTimeout(guard);
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr, lines, events, ms });
    });
  });
  return { child, done };
}
