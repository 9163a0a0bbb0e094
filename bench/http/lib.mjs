// Shared by the HTTP benchmarks: start a server program under a library,
// time its end, and the libraries compared side by side.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const PEERS = ['farewell', 'server.close()', 'http-terminator', 'stoppable', '@godaddy/terminus', 'http-graceful-shutdown'];
/** farewell with its opt-in fast idle policy: idle keep-alive connections closed after idleGrace. */
export const FAREWELL_CLOSE = "farewell (idleKeepAlive: 'close')";
const serverProgram = fileURLToPath(new URL('programs/server.mjs', import.meta.url));

/**
 * Starts bench/http/programs/server.mjs under `variant`; resolves once it
 * listens with { child, port, ended, waitForLine, kill }. `ended` resolves
 * { code, signal, at } (performance.now() when the parent saw the exit).
 * The child is SIGKILLed after `limitMs` (a peer stuck in its drain): `ended.killed` says so.
 */
export function startServer(variant, options = {}, { limitMs = 15_000, nodeArgs = [], cpu } = {}) {
  if (variant === FAREWELL_CLOSE) return startServer('farewell', { ...options, idleKeepAlive: 'close' }, { limitMs, nodeArgs, cpu });
  return new Promise((resolve, reject) => {
    const command = [process.execPath, ...nodeArgs, serverProgram, variant, JSON.stringify(options)];
    // `cpu`: run the server on that core only (taskset), away from the load generator.
    if (cpu !== undefined) command.unshift('taskset', '-c', String(cpu));
    const child = spawn(command[0], command.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let killed = false;
    const guard = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, limitMs);
    const ended = new Promise((done) =>
      child.on('exit', (code, signal) => {
        clearTimeout(guard);
        done({ code, signal, at: performance.now(), killed });
      }),
    );
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    let buffered = '';
    const lineWaiters = [];
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      for (let newline; (newline = buffered.indexOf('\n')) !== -1; buffered = buffered.slice(newline + 1)) {
        const line = buffered.slice(0, newline);
        if (line.startsWith('ready ')) resolve({ child, port: Number(line.slice(6)), ended, waitForLine, stderr: () => stderr });
        for (const waiter of lineWaiters.filter((w) => w.line === line)) waiter.resolve(performance.now());
      }
    });
    const waitForLine = (line) => new Promise((done) => lineWaiters.push({ line, resolve: done }));
    child.on('error', reject);
    ended.then(({ code, signal }) => reject(new Error(`${variant} ended before it was ready (${code ?? signal}): ${stderr}`)));
  });
}

/** SIGTERM → exit of a bare `node` with a listening server and no handler: the floor every variant sits on. */
export async function bareExitMs() {
  const child = spawn(process.execPath, ['-e', "require('http').createServer().listen(0, '127.0.0.1', () => console.log('ready'))"], { stdio: ['ignore', 'pipe', 'ignore'] });
  await new Promise((resolve) => child.stdout.once('data', resolve));
  await new Promise((resolve) => setTimeout(resolve, 20));
  const sent = performance.now();
  child.kill('SIGTERM');
  await new Promise((resolve) => child.on('exit', resolve));
  return performance.now() - sent;
}

/** "12 ×3, 0 ×7": how often each value occurred, most frequent first. */
export function tally(values) {
  const counts = new Map();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1]).map(([value, count]) => (count === 1 ? `${value}` : `${value} ×${count}`)).join(', ');
}
