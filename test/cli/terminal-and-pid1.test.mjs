// The CLI under a real terminal (Ctrl+C through a pty made by script(1)) and as PID 1 (a new PID namespace).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CLI, REPORTER, runCli } from '../helpers/run-cli.mjs';
import { RUNTIME } from '../helpers/runtime.mjs';

const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;
const hasScript = spawnSync('script', ['--version']).status === 0;
const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

describe('Ctrl+C in a terminal', { concurrency: 2, skip: !hasScript && 'script(1) from util-linux is needed for a pty' }, () => {
  for (const group of [false, true]) {
    test(`${group ? 'with' : 'without'} --group the command gets SIGINT exactly once`, async () => {
      // script(1) runs this through $SHELL (or /bin/sh): `exec` keeps a shell out of the foreground group,
      // since a non-interactive dash there dies by the Ctrl+C itself (status 130) whatever the CLI does.
      const command = `exec ${[...RUNTIME.command, CLI, ...(group ? ['--group'] : []), '--', ...RUNTIME.command, REPORTER, 'command', 'SIGINT'].map(quote).join(' ')}`;
      const run = runCli(['-qec', command, '/dev/null'], {
        command: ['script'],
        // Ctrl+C typed on the terminal: the line discipline sends SIGINT to the foreground process group.
        onLine: (line, child) => line.endsWith('command ready') && child.stdin.write('\x03'),
      });
      const result = await run.done;
      run.child.stdin.end();
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(result.lines.filter((line) => line.includes(' got ')).map((line) => line.replace(/^.*command/, 'command')), ['command got SIGINT']);
    });
  }
});

/** The pid, outside the namespace, of unshare's child: farewell, PID 1 inside. */
function childOf(parent) {
  return Number(readdirSync('/proc').find((name) => /^\d+$/.test(name) && readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]?.split(' ')[1] === String(parent)));
}

describe('as PID 1 (Docker ENTRYPOINT)', { concurrency: 2, skip: !canUnshare && 'cannot create a PID namespace here (unshare --pid --fork --mount-proc)' }, () => {
  test('SIGTERM from outside reaches the command; farewell exits 143 since PID 1 cannot die by a signal it handled', async () => {
    const run = runCli(['--pid', '--fork', '--mount-proc', ...RUNTIME.command, CLI, '-t', '300ms', '--', 'sh', '-c', 'sleep 1000 & echo ready; wait'], {
      command: ['unshare'],
      onLine: (line, unshare) => {
        if (line !== 'ready') return;
        process.kill(childOf(unshare.pid), 'SIGTERM');
      },
    });
    const result = await run.done;
    assert.equal(result.code, 143, `${result.signal ? `died by ${result.signal}` : `status ${result.code}`}; stderr: ${result.stderr}`);
    // sh died by the forwarded SIGTERM; the sleep it started was not signalled (no --group) and is killed after 300 ms.
    assert.match(result.stderr, /^farewell: 'sh' did not stop within 300 ms after SIGTERM: killed with SIGKILL \(pid \d+\)\n$/);
  });

  test('a double-forked grandchild, re-parented to farewell as PID 1, is part of the tree: killed after --timeout and reported', async () => {
    // Without farewell finding it, it would die only when PID 1 exits and the kernel ends the namespace: unannounced, by SIGKILL.
    let orphan;
    const run = runCli(['--pid', '--fork', '--mount-proc', ...RUNTIME.command, CLI, '-t', '300ms', '--', 'bash', '-c', '(sleep 1000 & echo "orphan $!"); echo ready; exec sleep 1000'], {
      command: ['unshare'],
      onLine: (line, unshare) => {
        if (line.startsWith('orphan ')) orphan = line.slice('orphan '.length);
        if (line === 'ready') process.kill(childOf(unshare.pid), 'SIGTERM');
      },
    });
    const result = await run.done;
    assert.equal(result.code, 143, result.stderr);
    // Pids as seen inside the namespace: farewell is 1, bash 2, the orphan 4 or so.
    assert.equal(result.stderr, `farewell: 'bash' did not stop within 300 ms after SIGTERM: killed with SIGKILL (pid ${orphan})\n`);
  });
});
