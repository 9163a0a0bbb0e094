// Helpers for tests that run the application under a real supervisor
// (nodemon, node --watch, tsx, PM2). The application
// (test/fixtures/scenarios/supervised.cjs) appends "<pid> <what>" lines to an
// events file; the supervisor runs in its own process group, so a test can
// send what a terminal's Ctrl+C sends (SIGINT to the whole group) and kill
// whatever is left at the end, even when it fails.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RUNNERS = {
  esm: fileURLToPath(new URL('../fixtures/run.mjs', import.meta.url)),
  cjs: fileURLToPath(new URL('../fixtures/run.cjs', import.meta.url)),
};
export const BIN = fileURLToPath(new URL('../../node_modules/.bin/', import.meta.url));

/**
 * A temporary directory with an events file, and a directory to watch
 * (`watchDir`, holding `watched.js`) apart from it: writing an event must not
 * restart the application. `remove()` deletes it all.
 */
export function workspace(prefix) {
  const dir = mkdtempSync(join(tmpdir(), `farewell-${prefix}-`));
  const events = join(dir, 'events');
  const watchDir = join(dir, 'src');
  const watched = join(watchDir, 'watched.js');
  writeFileSync(events, '');
  mkdirSync(watchDir);
  writeFileSync(watched, '// touched to restart\n');
  return { dir, events, watchDir, watched, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The events file as [{ pid, what }] in the order written. */
export function readEvents(path) {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const space = line.indexOf(' ');
      return { pid: Number(line.slice(0, space)), what: line.slice(space + 1) };
    });
}

/** What one process recorded, in order. */
export function eventsOf(events, pid) {
  return events.filter((event) => event.pid === pid).map((event) => event.what);
}

/** The pids that recorded 'ready', in order: one per generation. */
export function generations(events) {
  return events.filter((event) => event.what === 'ready').map((event) => event.pid);
}

/**
 * Polls the events file until `condition(events)` holds (a test cannot await
 * a line written by a grandchild otherwise); rejects after `limitMs` with
 * what was recorded.
 */
export async function waitForEvents(path, condition, limitMs = 15_000, describe = () => '') {
  const until = performance.now() + limitMs;
  for (;;) {
    const events = readEvents(path);
    if (condition(events)) return events;
    if (performance.now() > until) {
      throw new Error(`events not seen within ${limitMs} ms: ${events.map((e) => `${e.pid} ${e.what}`).join(' | ')}${describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The hooks of one generation ran to their end, in LIFO order, and then 'exit' with `status`. */
export function completedExit(trigger, status) {
  return ['ready', `flush-metrics started by ${trigger}`, 'flush-metrics done', 'close-db done', `exit ${status}`];
}

/**
 * Starts `command args` in its own process group (detached), with output
 * collected. `stop()` SIGKILLs the whole group if anything is left: call it in
 * a finally. `exited` resolves with { code, signal } of the supervisor.
 */
export function startSupervisor(command, args, { cwd, env } = {}) {
  const child = spawn(command, args, { cwd, env: { ...process.env, NODE_DEBUG: '', ...env }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
  return {
    child,
    exited,
    output: () => output,
    /** What a terminal's Ctrl+C does: SIGINT to every process of the foreground group. */
    ctrlC: () => process.kill(-child.pid, 'SIGINT'),
    stop: () => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the group is gone
      }
    },
  };
}

/** Resolves with the supervisor's end, or rejects after `limitMs`. */
export function exitWithin(supervisor, limitMs) {
  return Promise.race([
    supervisor.exited,
    new Promise((_, reject) => setTimeout(() => reject(new Error(`the supervisor did not exit within ${limitMs} ms; output: ${supervisor.output()}`)), limitMs).unref()),
  ]);
}
