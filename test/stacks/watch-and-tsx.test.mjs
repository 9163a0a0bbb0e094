// `node --watch` and tsx (the real package), as a developer runs them: a
// restart when a watched file changes, Ctrl+C in the terminal (SIGINT to the
// whole foreground group: the app gets it from the terminal and again from
// the tool, 1–32 ms apart), and `kill -TERM` to the tool. In each, the app's
// hooks complete and the tool ends as documented in docs/supervisors.md.
import assert from 'node:assert/strict';
import { utimesSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { BIN, RUNNERS, completedExit, eventsOf, exitWithin, generations, startSupervisor, waitForEvents, workspace } from '../helpers/supervised.mjs';

const TSX = join(BIN, 'tsx');

/** The command line of each tool for a workspace; `watches` when it restarts on a change. */
const TOOLS = {
  'node --watch': { watches: true, command: (space, format) => [process.execPath, [`--watch-path=${space.watchDir}`, RUNNERS[format], 'supervised:app', space.events, '']] },
  'tsx watch': { watches: true, command: (space, format) => [TSX, ['watch', '--clear-screen=false', '--include', space.watchDir, RUNNERS[format], 'supervised:app', space.events, '']] },
  tsx: { watches: false, command: (space, format) => [TSX, [RUNNERS[format], 'supervised:app', space.events, '']] },
};

/** How each tool itself ends after the app died by `signal` (measured; docs/supervisors.md). */
const TOOL_ENDS = {
  // watch_mode.js: process.exit(exitCode ?? 0); a child killed by a signal has no exit code.
  'node --watch': () => ({ code: 0, signal: null }),
  // tsx watch: process.exit(code ?? 0), as node --watch.
  'tsx watch': () => ({ code: 0, signal: null }),
  // tsx: the child's status, or 128 + n when it died by a signal.
  tsx: (signal) => ({ code: signal === 'SIGINT' ? 130 : 143, signal: null }),
};

async function withTool(name, format, act) {
  const space = workspace('watch');
  const [command, args] = TOOLS[name].command(space, format);
  const supervisor = startSupervisor(command, args, { cwd: space.dir });
  try {
    const [app] = generations(await waitForEvents(space.events, (events) => generations(events).length === 1, 15_000, () => `; output: ${supervisor.output()}`));
    return await act(supervisor, space, app);
  } finally {
    supervisor.stop();
    space.remove();
  }
}

/** What the app records when stopped by `signal`: its hooks complete, then 'exit' with 128 + n. */
function appEnd(signal) {
  return completedExit(signal, signal === 'SIGINT' ? 130 : 143);
}

describe('node --watch and tsx', { concurrency: 3 }, () => {
  for (const name of Object.keys(TOOLS)) {
    for (const format of ['esm', 'cjs']) {
      if (TOOLS[name].watches) {
        test(`${name} [${format}]: a change restarts the app with SIGTERM; the old one's hooks complete`, async () => {
          await withTool(name, format, async (supervisor, space, first) => {
            const now = new Date();
            utimesSync(space.watched, now, now);
            const events = await waitForEvents(space.events, (events) => generations(events).length === 2, 15_000, () => `; output: ${supervisor.output()}`);
            assert.deepEqual(eventsOf(events, first), appEnd('SIGTERM'));
          });
        });
      }
    }

    test(`${name}: Ctrl+C: the hooks complete, then ${JSON.stringify(TOOL_ENDS[name]('SIGINT'))}`, async () => {
      await withTool(name, 'esm', async (supervisor, space, app) => {
        supervisor.ctrlC();
        const ended = await exitWithin(supervisor, 15_000);
        const events = await waitForEvents(space.events, (events) => eventsOf(events, app).some((what) => what.startsWith('exit ')));
        assert.deepEqual(eventsOf(events, app), appEnd('SIGINT'));
        assert.deepEqual(ended, TOOL_ENDS[name]('SIGINT'), supervisor.output());
      });
    });

    test(`${name}: kill -TERM to the tool: the hooks complete, then ${JSON.stringify(TOOL_ENDS[name]('SIGTERM'))}`, async () => {
      await withTool(name, 'cjs', async (supervisor, space, app) => {
        supervisor.child.kill('SIGTERM');
        const ended = await exitWithin(supervisor, 15_000);
        const events = await waitForEvents(space.events, (events) => eventsOf(events, app).some((what) => what.startsWith('exit ')));
        assert.deepEqual(eventsOf(events, app), appEnd('SIGTERM'));
        assert.deepEqual(ended, TOOL_ENDS[name]('SIGTERM'), supervisor.output());
      });
    });
  }
});
