import { spawn } from 'node:child_process';

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
 * Spawns `command args` with stdin, stdout, stderr and an events pipe on fd 3
 * (scenarios write side effects there, so stdout and stderr stay exact).
 * Returns { child, done }; `done` resolves once the process has exited with
 * { code, signal, stdout (Buffer), stderr, lines, events (of fd 3), ms }.
 * With `lines: true` stdout is also split into `lines` (off by default: a
 * program writing megabytes without newlines would pile up one string).
 * `onLine(line, child)` (implies `lines`) and `onEvent(event, child)` see
 * lines as they arrive (send signals from there); `onSpawn(child)` sees the
 * child at once. `readStdoutAfterMs` makes a slow reader: stdout
 * is not read until then. `stdio` replaces some of the four pipes, e.g.
 * `[undefined, fd]` to give the child a file descriptor as stdout. The child
 * is SIGKILLed after `limitMs`, and `done` then rejects: a hang is a
 * failure, never a pass. `detached: true` starts it in a session of its
 * own, away from the processes other tests start in the test runner's
 * session (its group is then killed on a hang).
 */
export function spawnProcess(command, args, { env, cwd, stdin, stdio = [], detached = false, lines: splitStdout = false, onLine, onEvent, onSpawn, readStdoutAfterMs = 0, limitMs = 20_000 } = {}) {
  const started = performance.now();
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe', 'pipe'].map((pipe, fd) => stdio[fd] ?? pipe), env, cwd, detached });
  const stdout = [];
  const lines = [];
  const events = [];
  let stderr = '';
  // Until something listens, the parent does not read: the child's pipe fills.
  const readStdout = () => child.stdout?.on('data', (chunk) => stdout.push(chunk));
  if (readStdoutAfterMs > 0) setTimeout(readStdout, readStdoutAfterMs);
  else readStdout();
  if (splitStdout || onLine !== undefined) {
    splitLines(child.stdout, (line) => {
      lines.push(line);
      onLine?.(line, child);
    });
  }
  splitLines(child.stdio[3], (event) => {
    events.push(event);
    onEvent?.(event, child);
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
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
      reject(new Error(`${command} ${args.join(' ')} still running after ${limitMs} ms; events: ${events.join(' | ')}; stdout: ${lines.join(' | ')}; stderr: ${stderr}`));
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr, lines, events, ms: performance.now() - started });
    });
  });
  return { child, done };
}
