import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const FORMATS = ['esm', 'cjs'];
const runners = {
  esm: fileURLToPath(new URL('../fixtures/run.mjs', import.meta.url)),
  cjs: fileURLToPath(new URL('../fixtures/run.cjs', import.meta.url)),
};

/**
 * Runs `file:case` in a real node child importing the built package.
 * Resolves when the child has exited with { code, signal, stdout, stderr,
 * events, ms }. `onEvent(event, child)` sees each event line as it arrives
 * (send signals from there). `readStdoutAfterMs` makes a slow reader: stdout is
 * not read until then. The child is SIGKILLed after `limitMs`, and the
 * promise then rejects: a hang is a failure, never a pass.
 */
export function runScenario(spec, { format = 'esm', args = [], env = {}, onEvent, onSpawn, limitMs = 20_000, stdin, readStdoutAfterMs = 0 } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, [runners[format], spec, ...args], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, NODE_DEBUG: '', ...env },
  });
  const stdout = [];
  const stderr = [];
  const events = [];
  // Until something listens, the parent does not read: the child's pipe fills (a slow reader).
  const readStdout = () => child.stdout.on('data', (chunk) => stdout.push(chunk));
  if (readStdoutAfterMs > 0) setTimeout(readStdout, readStdoutAfterMs);
  else readStdout();
  child.stderr.on('data', (chunk) => stderr.push(chunk));
  let pending = '';
  child.stdio[3].on('data', (chunk) => {
    pending += chunk;
    let newline;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      events.push(line);
      onEvent?.(line, child);
    }
  });
  if (stdin !== undefined) child.stdin.end(stdin);
  onSpawn?.(child);
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${spec} (${format}) still running after ${limitMs} ms; events: ${events.join(' | ')}; stderr: ${Buffer.concat(stderr)}`));
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString(),
        events,
        ms: performance.now() - started,
      });
    });
  });
}

/** Sends `signal` to the child when it reports `event` (default 'ready'). */
export function signalOn(signal, event = 'ready') {
  return (line, child) => {
    if (line === event) child.kill(signal);
  };
}
