// NestJS 12 (the real @nestjs/core, @nestjs/common, @nestjs/platform-express)
// with drainOnExit(app.getHttpServer()): examples/stacks/nestjs.mjs, stopped
// while a request is in flight, with and without app.enableShutdownHooks().
// Nest re-raises the signal at itself after its shutdown (reload-and-supervisors
// §D); farewell must not take that for a second request and cut its hooks.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from '../helpers/http-clients.mjs';

const EXAMPLE = fileURLToPath(new URL('../../examples/stacks/nestjs.mjs', import.meta.url));

/** Starts the example, requests /report, sends `signal` once the query runs; resolves with everything seen. */
function stopDuringRequest(signal, env = {}) {
  const child = spawn(process.execPath, [EXAMPLE], { env: { ...process.env, PORT: '0', NODE_DEBUG: '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let reply;
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after 15 s; stdout: ${stdout}; stderr: ${stderr}`));
    }, 15_000);
    child.stdout.on('data', (chunk) => {
      const before = stdout;
      stdout += chunk;
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stdout)?.[1];
      if (port !== undefined && !/listening on/.test(before)) {
        reply = request(Number(port), '/report').then((response) => [response.status, response.body], (error) => error.code);
      }
      if (stdout.includes('query started') && !before.includes('query started')) child.kill(signal);
    });
    child.on('close', async (code, signal) => {
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, reply: await reply });
    });
  });
}

describe('NestJS 12 with drainOnExit(app.getHttpServer())', { concurrency: 3 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT']) {
    test(`without enableShutdownHooks, ${signal} during a request: answered, then Nest shuts down, then the other hooks`, async () => {
      const result = await stopDuringRequest(signal);
      assert.deepEqual(result.reply, [200, 'report done\n']);
      assert.equal(result.stdout.replace(/:\d+\n/, ':PORT\n'), 'listening on http://127.0.0.1:PORT\nquery started: report\ndatabase closed\nnest shut down (app.close())\nmetrics flushed\n');
      assert.deepEqual([result.code, result.signal], [null, signal]);
      assert.equal(result.stderr, '');
    });

    test(`with enableShutdownHooks, ${signal}: Nest's re-raise is not a second signal; every hook completes`, async () => {
      const result = await stopDuringRequest(signal, { NEST_SHUTDOWN_HOOKS: '1' });
      // farewell cut nothing and said nothing: no "received SIGTERM again".
      assert.equal(result.stderr, '');
      assert.equal(result.stdout.replace(/:\d+\n/, ':PORT\n'), `listening on http://127.0.0.1:PORT\nquery started: report\ndatabase closed\nnest shut down (${signal})\nmetrics flushed\n`);
      assert.deepEqual([result.code, result.signal], [null, signal]);
      // Nest runs onModuleDestroy at once, while the request still needs the
      // database: the drain delivers its 500. Documented in docs/supervisors.md.
      assert.deepEqual(result.reply, [500, '{"statusCode":500,"message":"Internal server error"}']);
    });
  }

  // Nest's process.exit(0) ends the process while farewell's hooks run: it
  // cannot be undone, so the cut is reported and the status is 1, never 0.
  // docs/supervisors.md says not to use useProcessExit with farewell.
  test("with enableShutdownHooks({ useProcessExit: true }): Nest's process.exit(0) cuts the hooks; they are named and the status is 1", async () => {
    const result = await stopDuringRequest('SIGTERM', { NEST_SHUTDOWN_HOOKS: '1', NEST_USE_PROCESS_EXIT: '1' });
    assert.doesNotMatch(result.stdout, /metrics flushed\n/);
    assert.match(result.stderr, /^farewell: process\.exit\(\) was called during the exit; hooks cut short: "[^"]+" \(running for \d+ ms\)/);
    assert.deepEqual([result.code, result.signal], [1, null]);
  });
});
