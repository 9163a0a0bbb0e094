// A private Redis server for one test file: 127.0.0.1 at a free port, no
// persistence, its directory temporary; `stop()` ends it and deletes that.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findProgram } from './system-programs.mjs';
import { freePort } from '../../bench/lib/free-port.mjs';

/** Answers PING with +PONG once the server is up. */
function ping(port) {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => resolve(false));
    socket.on('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.write('PING\r\n');
  });
}

export async function startRedis() {
  const dir = mkdtempSync(join(tmpdir(), 'farewell-redis-'));
  const port = await freePort();
  const server = spawn(findProgram('redis-server'), ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout.on('data', (chunk) => (log += chunk));
  server.stderr.on('data', (chunk) => (log += chunk));
  const closed = new Promise((resolve) => server.on('close', resolve));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGTERM');
      const guard = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(guard);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const until = performance.now() + 10_000;
  while (!(await ping(port))) {
    if (server.exitCode !== null || performance.now() > until) {
      await stop();
      throw new Error(`redis-server did not start: ${log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return { port, stop };
}
