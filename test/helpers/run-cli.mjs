import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI, as the package's bin points at it. */
export const CLI = fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url));
export const REPORTER = fileURLToPath(new URL('../fixtures/cli/signal-reporter.cjs', import.meta.url));

/**
 * Runs `node <cli> ...args` (or `command` when given). Resolves when it has
 * exited, with { code, signal, stdout, stderr, lines, ms }; `onLine(line, child)`
 * sees each stdout line as it arrives. Killed with SIGKILL after `limitMs`,
 * and the promise rejects: a hang is a failure.
 */
export function runCli(args, { onLine, stdin, limitMs = 20_000, command = [process.execPath, CLI] } = {}) {
  const started = performance.now();
  const child = spawn(command[0], [...command.slice(1), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout = [];
  let stderr = '';
  const lines = [];
  let pending = '';
  child.stdout.on('data', (chunk) => {
    stdout.push(chunk);
    pending += chunk.toString('latin1');
    let newline;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline).replace(/\r$/, '');
      pending = pending.slice(newline + 1);
      lines.push(line);
      onLine?.(line, child);
    }
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  if (stdin !== undefined) child.stdin.end(stdin);
  return {
    child,
    done: new Promise((resolve, reject) => {
      const guard = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`still running after ${limitMs} ms; stdout: ${lines.join(' | ')}; stderr: ${stderr}`));
      }, limitMs);
      child.on('error', reject);
      child.on('close', (code, signal) => {
        clearTimeout(guard);
        resolve({ code, signal, stdout: Buffer.concat(stdout), stderr, lines, ms: performance.now() - started });
      });
    }),
  };
}
