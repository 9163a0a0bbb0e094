// The Docker recipe of docs/cli.md, run for real (issue 10, §5): its ENTRYPOINT and CMD are read from
// the page, and run as a container runs them, minus the image: PID 1 of a new PID namespace, in an app
// directory where the package is installed as npm lays it out, SIGTERM to PID 1 from outside (what
// `docker stop` sends). The recipe used to be `npx --no-install farewell`: npm relayed SIGTERM to a dash
// `sh -c` that died of it, npm exited 1, and the kernel killed the program before its hooks ran.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../helpers/run-cli.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const canUnshare = process.platform === 'linux' && spawnSync('unshare', ['--pid', '--fork', '--mount-proc', 'true']).status === 0;

/** The Dockerfile block of docs/cli.md: its WORKDIR, and the exec-form ENTRYPOINT and CMD arrays. */
function dockerRecipe() {
  const page = readFileSync(join(root, 'docs/cli.md'), 'utf8');
  const blocks = [...page.matchAll(/^```dockerfile\n([\s\S]*?)^```$/gm)].map((match) => match[1]);
  assert.equal(blocks.length, 1, 'docs/cli.md has one Dockerfile');
  const instruction = (name) => /^(\S+) (.*)$/m.exec(blocks[0].split('\n').find((line) => line.startsWith(`${name} `)) ?? '')?.[2];
  return { workdir: instruction('WORKDIR'), entrypoint: JSON.parse(instruction('ENTRYPOINT')), cmd: JSON.parse(instruction('CMD')) };
}

/** The pid, outside the namespace, of unshare's child: PID 1 inside. */
function childOf(parent) {
  return Number(readdirSync('/proc').find((name) => /^\d+$/.test(name) && readFileSync(`/proc/${name}/stat`, 'latin1').split(') ')[1]?.split(' ')[1] === String(parent)));
}

describe('the Docker ENTRYPOINT of docs/cli.md', { skip: !canUnshare && 'cannot create a PID namespace here (unshare --pid --fork --mount-proc, as root)' }, () => {
  // The image's /app: package.json, the installed package (its package.json and dist, and the bin
  // link npm makes), and the program of CMD, which logs from an exit hook.
  const app = mkdtempSync(join(tmpdir(), 'farewell-docker-'));
  after(() => rmSync(app, { recursive: true, force: true }));
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true, dependencies: { farewell: '*' } }));
  mkdirSync(join(app, 'node_modules/farewell'), { recursive: true });
  cpSync(join(root, 'package.json'), join(app, 'node_modules/farewell/package.json'));
  cpSync(join(root, 'dist'), join(app, 'node_modules/farewell/dist'), { recursive: true });
  const { bin } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  mkdirSync(join(app, 'node_modules/.bin'));
  symlinkSync(join('../farewell', bin.farewell), join(app, 'node_modules/.bin/farewell'));
  writeFileSync(
    join(app, 'server.js'),
    `const http = require('node:http');
const { onExit } = require('farewell');
const { drainOnExit } = require('farewell/http');
onExit(() => console.log('app: exit hook ran'));
const server = http.createServer((request, response) => response.end('ok'));
drainOnExit(server);
server.listen(0, '127.0.0.1', () => console.log('app: listening'));
`,
  );

  test('docker stop: SIGTERM to PID 1 reaches the program, its exit hook runs, the container exits with 143', async () => {
    const { workdir, entrypoint, cmd } = dockerRecipe();
    assert.equal(workdir, '/app');
    // Paths in the image's /app are the test's app directory; `node` is the Node.js running this test.
    const argv = [...entrypoint, ...cmd].map((word) => (word.startsWith('/app/') ? join(app, word.slice('/app/'.length)) : word));
    const run = runCli(['--pid', '--fork', '--mount-proc', ...argv], {
      command: ['unshare'],
      cwd: app,
      env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH}`, NODE_DEBUG: '' },
      onLine: (line, unshare) => line === 'app: listening' && process.kill(childOf(unshare.pid), 'SIGTERM'),
    });
    const result = await run.done;
    assert.deepEqual(result.lines, ['app: listening', 'app: exit hook ran']);
    assert.equal(result.stderr, '');
    // PID 1 cannot die by a signal it handles: farewell exits with 128 + 15 for the program's death by SIGTERM.
    assert.equal(result.code, 143);
  });
});
