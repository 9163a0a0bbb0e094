// nodemon 3 (the real package): a restart and a stop let the hooks finish,
// although nodemon always sends its signal twice, 7–22 ms apart, and turns a
// SIGTERM into TERM, INT, INT (reload-and-supervisors §D).
//
// nodemon sends the repeat only after it has run `ps` (twice) and `sh -c kill`
// (lib/monitor/run.js kill(), pstree.remy), so the gap grows with the time
// `ps -A` takes: on a host with many processes, or under load. The "busy
// host" tests make `ps` take 60 ms, as it does there, with a shim on PATH.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findProgram, skipUnlessInstalled } from '../helpers/system-programs.mjs';
import { BIN, RUNNERS, completedExit, eventsOf, exitWithin, generations, startSupervisor, waitForEvents, workspace } from '../helpers/supervised.mjs';

const NODEMON = join(BIN, 'nodemon');

/** Runs nodemon on the supervised app; `act(supervisor, space)` drives it; everything is killed at the end. */
async function withNodemon({ format = 'esm', nodemonArgs = [], appSignals = '', config, psDelay }, act) {
  const space = workspace('nodemon');
  if (config !== undefined) writeFileSync(join(space.dir, 'nodemon.json'), JSON.stringify(config));
  const env = {};
  if (psDelay !== undefined) {
    // A `ps` as slow as on a busy host, first on nodemon's PATH.
    const shims = join(space.dir, 'shims');
    mkdirSync(shims);
    writeFileSync(join(shims, 'ps'), `#!/bin/sh\nsleep ${psDelay / 1000}\nexec ${findProgram('ps')} "$@"\n`);
    chmodSync(join(shims, 'ps'), 0o755);
    env.PATH = `${shims}:${process.env.PATH}`;
  }
  const supervisor = startSupervisor(NODEMON, ['--watch', space.watchDir, ...nodemonArgs, RUNNERS[format], 'supervised:app', space.events, appSignals], { cwd: space.dir, env });
  try {
    return await act(supervisor, space);
  } finally {
    supervisor.stop();
    space.remove();
  }
}

/** Touches the watched file (nodemon then restarts the app) and waits for the next generation. */
async function restart(space, supervisor) {
  const now = new Date();
  utimesSync(space.watched, now, now);
  return waitForEvents(space.events, (events) => generations(events).length === 2, 15_000, () => `; nodemon: ${supervisor.output()}`);
}

// On a busy host nodemon's last repeat comes after two `ps` runs and one
// `sh`: 100 ms and more after the first signal. The core counts a repeat
// within 1 s as a duplicate (src/lifecycle/repeated-signals.ts); these tests
// slow `ps` down to make the host busy. They failed with a 100 ms window.
const RELAY_TOO_SLOW = { skip: skipUnlessInstalled({ ps: 'procps' }) };

describe('nodemon 3', { concurrency: 3 }, () => {
  for (const format of ['esm', 'cjs']) {
    test(`[${format}] restart with --signal SIGTERM: the old generation's hooks complete, it dies by SIGTERM, the new one starts`, async () => {
      await withNodemon({ format, nodemonArgs: ['--signal', 'SIGTERM'] }, async (supervisor, space) => {
        await waitForEvents(space.events, (events) => generations(events).length === 1);
        const events = await restart(space, supervisor);
        const [first, second] = generations(events);
        assert.deepEqual(eventsOf(events, first), completedExit('SIGTERM', 143));
        assert.deepEqual(eventsOf(events, second), ['ready']);
      });
    });
  }

  test("restart with nodemon's default SIGUSR2, added to farewell's signals: the hooks complete", async () => {
    await withNodemon({ appSignals: 'SIGINT,SIGTERM,SIGHUP,SIGUSR2' }, async (supervisor, space) => {
      await waitForEvents(space.events, (events) => generations(events).length === 1);
      const events = await restart(space, supervisor);
      const [first, second] = generations(events);
      assert.deepEqual(eventsOf(events, first), completedExit('SIGUSR2', 128 + 12));
      assert.deepEqual(eventsOf(events, second), ['ready']);
    });
  });

  test('restart with "signal": "SIGTERM" in nodemon.json: the hooks complete', async () => {
    await withNodemon({ config: { signal: 'SIGTERM' } }, async (supervisor, space) => {
      await waitForEvents(space.events, (events) => generations(events).length === 1);
      const events = await restart(space, supervisor);
      assert.deepEqual(eventsOf(events, generations(events)[0]), completedExit('SIGTERM', 143));
    });
  });

  test('kill -TERM to nodemon (it relays TERM, INT, INT): the hooks complete, nodemon exits', async () => {
    await withNodemon({}, async (supervisor, space) => {
      const [app] = generations(await waitForEvents(space.events, (events) => generations(events).length === 1));
      supervisor.child.kill('SIGTERM');
      const ended = await exitWithin(supervisor, 15_000);
      const events = await waitForEvents(space.events, (events) => eventsOf(events, app).length === 5);
      assert.deepEqual(eventsOf(events, app), completedExit('SIGTERM', 143));
      assert.deepEqual(ended, { code: 143, signal: null }, supervisor.output());
    });
  });

  test('Ctrl+C (SIGINT to the foreground group: the app gets it from the terminal and from nodemon): the hooks complete', RELAY_TOO_SLOW, async () => {
    await withNodemon({}, async (supervisor, space) => {
      const [app] = generations(await waitForEvents(space.events, (events) => generations(events).length === 1));
      supervisor.ctrlC();
      const ended = await exitWithin(supervisor, 15_000);
      const events = await waitForEvents(space.events, (events) => eventsOf(events, app).length === 5);
      assert.deepEqual(eventsOf(events, app), completedExit('SIGINT', 130));
      assert.deepEqual(ended, { code: 130, signal: null }, supervisor.output());
    });
  });

  test('busy host: restart (SIGUSR2 ×2, the repeat after `ps` and `sh`): the hooks complete', RELAY_TOO_SLOW, async () => {
    await withNodemon({ appSignals: 'SIGINT,SIGTERM,SIGHUP,SIGUSR2', psDelay: 60 }, async (supervisor, space) => {
      await waitForEvents(space.events, (events) => generations(events).length === 1);
      const events = await restart(space, supervisor);
      assert.deepEqual(eventsOf(events, generations(events)[0]), completedExit('SIGUSR2', 128 + 12));
    });
  });

  test('busy host: kill -TERM to nodemon: the hooks complete', RELAY_TOO_SLOW, async () => {
    await withNodemon({ psDelay: 60 }, async (supervisor, space) => {
      const [app] = generations(await waitForEvents(space.events, (events) => generations(events).length === 1));
      supervisor.child.kill('SIGTERM');
      await exitWithin(supervisor, 15_000);
      const events = await waitForEvents(space.events, (events) => eventsOf(events, app).some((what) => what.startsWith('exit ')));
      assert.deepEqual(eventsOf(events, app), completedExit('SIGTERM', 143));
    });
  });

  test('busy host: Ctrl+C: the hooks complete', RELAY_TOO_SLOW, async () => {
    await withNodemon({ psDelay: 60 }, async (supervisor, space) => {
      const [app] = generations(await waitForEvents(space.events, (events) => generations(events).length === 1));
      supervisor.ctrlC();
      await exitWithin(supervisor, 15_000);
      const events = await waitForEvents(space.events, (events) => eventsOf(events, app).some((what) => what.startsWith('exit ')));
      assert.deepEqual(eventsOf(events, app), completedExit('SIGINT', 130));
    });
  });
});
