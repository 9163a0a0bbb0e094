// Helpers for the demo sections: run an example program for real and say
// what happened to it.
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';

export const examplePath = (relative) => fileURLToPath(new URL(`../examples/${relative}`, import.meta.url));

/**
 * Runs `node examples/<file>`; resolves with { code, signal, stdout, stderr, ms }.
 * `onLine(line, child)` sees each stdout line (send signals from there).
 * Killed after `limitMs`: the demo never hangs.
 */
export function runExample(file, { args = [], env = {}, onLine, limitMs = 15_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [examplePath(file), ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_DEBUG: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      pending += chunk;
      for (let newline; (newline = pending.indexOf('\n')) !== -1; pending = pending.slice(newline + 1)) {
        onLine?.(pending.slice(0, newline), child);
      }
    });
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const guard = setTimeout(() => child.kill('SIGKILL'), limitMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

/** "exited with status 1" or "died by SIGINT (a shell shows $? = 130)". */
export function describeEnd({ code, signal }) {
  if (signal) return `died by ${signal} (a shell shows $? = ${128 + constants.signals[signal]})`;
  return `exited with status ${code}`;
}

/** Prints text indented under a label, e.g. what a program wrote to stderr. */
export function show(label, text, maxLines = 12) {
  const lines = text.trimEnd().split('\n');
  if (lines.length === 1 && lines[0] === '') return console.log(`  ${label}: (nothing)`);
  console.log(`  ${label}:`);
  for (const line of lines.slice(0, maxLines)) console.log(`    │ ${line}`);
  if (lines.length > maxLines) console.log(`    │ … ${lines.length - maxLines} more lines`);
}

/** Throws if a demonstrated behaviour did not happen: the demo then exits non-zero. */
export function expect(condition, what) {
  if (!condition) throw new Error(`expected: ${what}`);
  console.log(`  ✔ ${what}`);
}
