// Running the CLI with --listen around test/fixtures/cli/reload-server.mjs,
// waiting for lines on its stdout and stderr as they come.
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { runCli } from './run-cli.mjs';

export const RELOAD_SERVER = fileURLToPath(new URL('../fixtures/cli/reload-server.mjs', import.meta.url));

/**
 * Starts `farewell <cliArgs> -- node reload-server.mjs <serverArgs>`.
 * Returns { child, done, stdout, stderr, waitFor(stream, regex) }: `waitFor`
 * resolves with the first line (already seen or to come) matching `regex`.
 */
export function startCli(cliArgs, serverArgs = [], { command = [process.execPath, RELOAD_SERVER], node = [], ...options } = {}) {
  const seen = { stdout: [], stderr: [] };
  const waiters = [];
  const offer = (stream, line) => {
    seen[stream].push(line);
    for (const waiter of [...waiters]) {
      if (waiter.stream === stream && waiter.regex.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  let pendingStderr = '';
  const run = runCli([...cliArgs, '--', ...command, ...serverArgs], {
    ...(node.length > 0 ? { command: [process.execPath, ...node, fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url))] } : {}),
    ...options,
    onLine: (line) => offer('stdout', line),
    onSpawn: (child) =>
      child.stderr.on('data', (chunk) => {
        pendingStderr += chunk;
        for (let newline; (newline = pendingStderr.indexOf('\n')) !== -1; pendingStderr = pendingStderr.slice(newline + 1)) offer('stderr', pendingStderr.slice(0, newline));
      }),
  });
  return {
    ...run,
    stdout: seen.stdout,
    stderr: seen.stderr,
    waitFor(stream, regex) {
      const line = seen[stream].find((candidate) => regex.test(candidate));
      if (line !== undefined) return Promise.resolve(line);
      return new Promise((resolve) => waiters.push({ stream, regex, resolve }));
    },
  };
}

/** Waits for "g<n> listening <port>" and returns the port (or the path). */
export async function listeningOn(cli, generation = 1) {
  const line = await cli.waitFor('stdout', new RegExp(`^g${generation} listening `));
  return line.split(' ')[2];
}

/** One GET on a new connection (no keep-alive): { status, body } or { error }. */
export function getOnce(target, path = '/') {
  return new Promise((resolve) => {
    const where = typeof target === 'number' || /^\d+$/.test(target) ? { host: '127.0.0.1', port: Number(target) } : { socketPath: target };
    const req = http.get({ ...where, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (error) => resolve({ error: error.code ?? error.message }));
    });
    req.on('error', (error) => resolve({ error: error.code ?? error.message }));
  });
}

/**
 * A stream of new connections, one request each, back to back, until stop():
 * resolves { ok, failures: { reason: count }, bodies }. Bounded by `maxMs`.
 */
export function startNewConnections(port, { loops = 2, path = '/', maxMs = 15_000 } = {}) {
  const summary = { ok: 0, failures: {}, generations: {} };
  let stopping = false;
  const deadline = performance.now() + maxMs;
  const loop = async () => {
    while (!stopping && performance.now() < deadline) {
      const result = await getOnce(port, path);
      if (result.status === 200) {
        summary.ok++;
        const generation = result.body.split(' ')[0];
        summary.generations[generation] = (summary.generations[generation] ?? 0) + 1;
      } else {
        const reason = result.error ?? `status ${result.status}`;
        summary.failures[reason] = (summary.failures[reason] ?? 0) + 1;
      }
    }
  };
  const running = Promise.all(Array.from({ length: loops }, loop));
  return {
    async stop() {
      stopping = true;
      await running;
      return summary;
    },
  };
}
