// The recipes of docs/logging.md, run: examples/logging/*.mjs log 10 000
// lines, then are stopped; every line, and the exit hook's own, is in the
// file (or on stdout for console). Also Fastify's logger (pino on a worker
// transport) with requests in flight: examples/stacks/fastify-logger.mjs.
// Each case runs FAREWELL_LOGGING_RUNS times (CI default 2).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { request } from '../helpers/http-clients.mjs';
import { spawnProcess } from '../helpers/spawn-process.mjs';

const RUNS = Number(process.env.FAREWELL_LOGGING_RUNS ?? 2);
const example = (path) => fileURLToPath(new URL(`../../examples/${path}`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'farewell-logging-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

const readLines = (path) => readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));

/** 10 000 'working' lines numbered 0…9999, then the hook's 'shutting down' naming the signal. */
function assertEveryLine(lines, signal, message = (line) => line.msg ?? line.message) {
  assert.equal(lines.length, 10_001, `${lines.length} of 10 001 lines`);
  assert.ok(lines.slice(0, 10_000).every((line, index) => line.n === index && message(line) === 'working'), 'the working lines in order');
  assert.deepEqual([message(lines[10_000]), lines[10_000].trigger], ['shutting down', signal]);
}

describe('logging recipes (docs/logging.md)', { concurrency: 4 }, () => {
  for (const [name, signals] of [['pino-transport', ['SIGTERM', 'SIGINT']], ['pino-destination', ['SIGTERM']], ['winston', ['SIGTERM']]]) {
    for (const signal of signals) {
      for (let round = 1; round <= RUNS; round++) {
        test(`${name}, ${signal}, run ${round}: 10 001 of 10 001 lines in the file`, async () => {
          const path = join(dir, `${files++}.log`);
          const result = await spawnProcess(process.execPath, [example(`logging/${name}.mjs`)], {
            env: { ...process.env, NODE_DEBUG: '', LOG_FILE: path },
            onLine: (line, child) => line === 'ready' && child.kill(signal),
          }).done;
          assert.deepEqual([result.code, result.signal, result.stderr], [null, signal, '']);
          assertEveryLine(readLines(path), signal);
        });
      }
    }
  }

  test('console, SIGTERM, a reader that starts 300 ms late: 10 001 of 10 001 lines on stdout', async () => {
    const result = await spawnProcess(process.execPath, [example('logging/console.mjs')], {
      env: { ...process.env, NODE_DEBUG: '' },
      readStdoutAfterMs: 300,
      onSpawn: (child) => {
        let stderr = '';
        child.stderr.on('data', (chunk) => {
          stderr += chunk;
          if (stderr === 'ready\n') child.kill('SIGTERM');
        });
      },
    }).done;
    assert.deepEqual([result.code, result.signal], [null, 'SIGTERM']);
    assertEveryLine(result.stdout.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line)), 'SIGTERM');
  });

  test("Fastify's logger on a pino transport, SIGTERM with 5 requests in flight: all answered, every log line kept", async () => {
    const path = join(dir, `${files++}.log`);
    let replies;
    const result = await spawnProcess(process.execPath, [example('stacks/fastify-logger.mjs')], {
      env: { ...process.env, NODE_DEBUG: '', LOG_FILE: path, PORT: '0' },
      onLine: (line, child) => {
        const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(line)?.[1];
        if (port === undefined) return;
        replies = Promise.all(Array.from({ length: 5 }, () => request(Number(port), '/slow').then((reply) => [reply.status, reply.body])));
        // Once the five are being worked on (their log lines are written by the worker), stop.
        const waitForWork = setInterval(() => {
          let text = '';
          try {
            text = readFileSync(path, 'utf8');
          } catch {
            return;
          }
          if (text.split('working on it').length - 1 === 5) {
            clearInterval(waitForWork);
            child.kill('SIGTERM');
          }
        }, 10);
      },
    }).done;
    assert.deepEqual([result.code, result.signal, result.stderr], [null, 'SIGTERM', '']);
    assert.deepEqual(await replies, Array.from({ length: 5 }, () => [200, 'done\n']));
    const messages = readLines(path).map((line) => line.msg);
    const count = (message) => messages.filter((each) => each === message).length;
    assert.deepEqual([count('incoming request'), count('working on it'), count('request completed')], [5, 5, 5]);
    assert.equal(messages.at(-1), 'closing: the database pool would end here');
  });
});
