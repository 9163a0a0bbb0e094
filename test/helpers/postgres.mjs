// A private PostgreSQL server for one test file: initdb in a temporary
// directory, `postgres` listening on 127.0.0.1 at a free port (and a socket in
// that directory), stopped and deleted by `stop()`. PostgreSQL refuses to run
// as root; as root (CI) the server runs as `nobody` through `setpriv`, which
// execs (no process in between to forward signals). The binaries come from
// findProgram(): /usr/lib/postgresql/<15–17>/bin is searched, not only PATH.
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findProgram } from './system-programs.mjs';
import { freePort } from '../../bench/lib/free-port.mjs';

const run = promisify(execFile);
const NOBODY = 65534;

/** The command line that runs `program` as an unprivileged user when we are root. */
function unprivileged(program, args) {
  if (process.getuid() !== 0) return [program, args];
  return [findProgram('setpriv'), ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', '--', program, ...args]];
}

/**
 * Starts a server; resolves with { port, connectionString, stop() } once it
 * accepts connections. `stop()` asks for a fast shutdown (SIGINT), SIGKILLs
 * after 10 s, and deletes the directory.
 */
export async function startPostgres() {
  const dir = mkdtempSync(join(tmpdir(), 'farewell-pg-'));
  const data = join(dir, 'data');
  mkdirSync(data);
  if (process.getuid() === 0) {
    chownSync(dir, NOBODY, NOBODY);
    chownSync(data, NOBODY, NOBODY);
  }
  chmodSync(data, 0o700);
  const [initdb, initArgs] = unprivileged(findProgram('initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
  await run(initdb, initArgs, { cwd: dir });
  const port = await freePort();
  // -F: no fsync (a test server); the socket goes in the temporary directory.
  const [postgres, args] = unprivileged(findProgram('postgres'), ['-D', data, '-h', '127.0.0.1', '-p', String(port), '-k', dir, '-F', '-c', 'max_connections=200']);
  const server = spawn(postgres, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  server.stderr.on('data', (chunk) => (log += chunk));
  const closed = new Promise((resolve) => server.on('close', resolve));
  const stop = async () => {
    if (server.exitCode === null && server.signalCode === null) {
      server.kill('SIGINT');
      const guard = setTimeout(() => server.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(guard);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitUntilReady(port, server, () => log);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, connectionString: `postgres://postgres@127.0.0.1:${port}/postgres`, log: () => log, stop };
}

/** Polls pg_isready until the server accepts connections (10 s at most). */
async function waitUntilReady(port, server, log) {
  const isReady = findProgram('pg_isready');
  const until = performance.now() + 10_000;
  for (;;) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}: ${log()}`);
    try {
      await run(isReady, ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-q']);
      return;
    } catch {
      if (performance.now() > until) throw new Error(`postgres not ready after 10 s: ${log()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
