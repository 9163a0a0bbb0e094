// Spawning node programs for benchmarks.
import { spawn } from 'node:child_process';

/**
 * Spawns `node <args>` and resolves once it prints "ready" on stdout, with
 * the child and a promise of its end `{ code, signal, at }` (performance.now()
 * when the parent saw it exit). Rejects if it is not ready within `limitMs`.
 */
export function spawnReady(args, { limitMs = 10_000, env } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
    const ended = new Promise((done) => child.on('exit', (code, signal) => done({ code, signal, at: performance.now() })));
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`not ready within ${limitMs} ms: ${args.join(' ')}\n${stderr}`));
    }, limitMs);
    let buffered = '';
    child.stdout.on('data', function onData(chunk) {
      buffered += chunk;
      if (!buffered.includes('ready\n')) return;
      child.stdout.off('data', onData);
      child.stdout.resume();
      clearTimeout(guard);
      resolve({ child, ended, stderr: () => stderr });
    });
    child.on('error', reject);
  });
}

/** Runs `node <args>` to completion; resolves with { ms, code, signal, stdout }. */
export function runNode(args, { limitMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${limitMs} ms: ${args.join(' ')}`));
    }, limitMs);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolve({ ms: performance.now() - started, code, signal, stdout });
    });
  });
}
