// PM2 7 (the real package): `pm2 stop` sends SIGINT and SIGKILLs after
// kill_timeout (1600 ms by default); shutdown_with_message sends a 'shutdown'
// message instead; wait_ready makes a reload wait for process.send('ready')
// (reload-and-supervisors §C). Each test has its own PM2_HOME and ends with
// `pm2 kill`, and the daemon is SIGKILLed if that fails: no daemon is left
// behind (`pm2 --version` alone would start one in ~/.pm2).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BIN, RUNNERS, completedExit, eventsOf, generations, waitForEvents, workspace } from '../helpers/supervised.mjs';

const PM2 = join(BIN, 'pm2');
const run = promisify(execFile);

/** Runs the supervised app under a private PM2 daemon with `app` settings; `act(pm2, space)` drives it. */
async function withPm2(app, act, features = [], givenConfig = undefined) {
  const space = workspace('pm2');
  const env = { ...process.env, PM2_HOME: join(space.dir, 'pm2-home'), NODE_DEBUG: '' };
  const pm2 = (...args) => run(PM2, args, { env, timeout: 20_000 });
  let config = givenConfig;
  if (config === undefined) {
    config = join(space.dir, 'ecosystem.config.cjs');
    const settings = { name: 'app', script: RUNNERS.cjs, args: ['supervised:app', space.events, '', ...features], autorestart: false, ...app };
    writeFileSync(config, `module.exports = { apps: [${JSON.stringify(settings)}] };\n`);
  }
  try {
    await pm2('start', config);
    return await act(pm2, space, env.PM2_HOME);
  } finally {
    let daemon;
    try {
      daemon = Number(readFileSync(join(env.PM2_HOME, 'pm2.pid'), 'utf8'));
    } catch {
      // no daemon was started
    }
    await pm2('kill').catch(() => {});
    if (daemon > 0) {
      try {
        process.kill(daemon, 'SIGKILL');
      } catch {
        // already gone, as it should be
      }
    }
    space.remove();
  }
}

const firstGeneration = (space) => waitForEvents(space.events, (events) => generations(events).length === 1);
const exited = (pid) => (events) => eventsOf(events, pid).some((what) => what.startsWith('exit '));

describe('PM2 7', { concurrency: 3 }, () => {
  test('pm2 stop: SIGINT, the hooks complete within the default kill_timeout', async () => {
    await withPm2({}, async (pm2, space) => {
      const [app] = generations(await firstGeneration(space));
      await pm2('stop', 'app');
      const events = await waitForEvents(space.events, exited(app));
      assert.deepEqual(eventsOf(events, app), completedExit('SIGINT', 130));
    });
  });

  test('a 2.5 s hook with the default kill_timeout (1600 ms): SIGKILLed before it ends', async () => {
    await withPm2({}, async (pm2, space) => {
      const [app] = generations(await firstGeneration(space));
      await pm2('stop', 'app');
      // SIGKILL leaves no 'exit' line: wait until PM2 reports the process gone.
      const { stdout } = await pm2('jlist');
      assert.equal(JSON.parse(stdout)[0].pm2_env.status, 'stopped');
      assert.deepEqual(eventsOf((await waitForEvents(space.events, () => true)), app), ['ready', 'flush-metrics started by SIGINT']);
    }, ['slow']);
  });

  test('a 2.5 s hook with kill_timeout: 5000: the hooks complete', async () => {
    await withPm2({ kill_timeout: 5000 }, async (pm2, space) => {
      const [app] = generations(await firstGeneration(space));
      await pm2('stop', 'app');
      const events = await waitForEvents(space.events, exited(app));
      assert.deepEqual(eventsOf(events, app), ['ready', 'flush-metrics started by SIGINT', 'flush-metrics done', 'close-db done', 'exit 130']);
    }, ['slow']);
  });

  test("shutdown_with_message: the 'shutdown' message starts the exit; the hooks complete; status 0", async () => {
    await withPm2({ shutdown_with_message: true }, async (pm2, space) => {
      const [app] = generations(await firstGeneration(space));
      await pm2('stop', 'app');
      const events = await waitForEvents(space.events, exited(app));
      assert.deepEqual(eventsOf(events, app), completedExit('pm2 shutdown message', 0));
    }, ['shutdown-message']);
  });

  test("wait_ready, cluster mode: a reload stops the old worker only after the new one's process.send('ready'); its hooks complete", async () => {
    await withPm2({ exec_mode: 'cluster', instances: 1, wait_ready: true, listen_timeout: 10_000 }, async (pm2, space) => {
      const [old] = generations(await firstGeneration(space));
      await pm2('reload', 'app');
      const events = await waitForEvents(space.events, (events) => generations(events).length === 2 && exited(old)(events));
      const [, next] = generations(events);
      assert.deepEqual(eventsOf(events, old), completedExit('SIGINT', 130));
      const order = events.map((event) => `${event.pid === old ? 'old' : 'new'} ${event.what}`);
      assert.ok(order.indexOf('new ready') < order.indexOf('old flush-metrics started by SIGINT'), order.join(', '));
      assert.deepEqual(eventsOf(events, next), ['ready']);
    }, ['ready-message']);
  });

  test('examples/stacks/ecosystem.config.cjs (kill_timeout, wait_ready): pm2 stop lets both hooks finish', async () => {
    const config = fileURLToPath(new URL('../../examples/stacks/ecosystem.config.cjs', import.meta.url));
    await withPm2({}, async (pm2, space, home) => {
      await pm2('stop', 'app');
      const output = readFileSync(join(home, 'logs', 'app-out.log'), 'utf8');
      assert.equal(output, 'ready\nmetrics flushed (stopped by SIGINT)\ndatabase closed\n');
    }, [], config);
  });
});
