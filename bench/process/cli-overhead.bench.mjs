// The farewell command's cost: start-up to exit for `true` against node -e 0 and
// GNU timeout; latency from a signal sent to the wrapper until the command handles it.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { fixed, median, percentile, ratio, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';

const CLI = fileURLToPath(new URL('../../dist/cjs/cli/main.js', import.meta.url));
const ROUNDS = 30;
const LATENCY_ROUNDS = 20;

function timeRun(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: 'ignore' });
    child.on('error', reject);
    child.on('exit', () => resolve(performance.now() - started));
  });
}

const startVariants = {
  'true (no wrapper)': ['true', []],
  'node -e 0': [process.execPath, ['-e', '0']],
  'timeout 10 true': ['timeout', ['10', 'true']],
  'farewell -- true': [process.execPath, [CLI, '--', 'true']],
};

// The command: a node program that writes "got" when SIGTERM arrives, then exits.
const COMMAND = [process.execPath, '-e', "process.on('SIGTERM', () => { require('fs').writeSync(1, 'got\\n'); process.exit(0); }); require('fs').writeSync(1, 'ready\\n'); setInterval(() => {}, 1e6);"];
const latencyVariants = {
  'signal sent to the command itself': COMMAND,
  'through timeout 30': ['timeout', '30', ...COMMAND],
  'through farewell': [process.execPath, CLI, '--', ...COMMAND],
};

function rssKb(pid) {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return NaN;
  }
}

function timeSignal(argv) {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
    let sentAt = 0;
    let rss = NaN;
    let output = '';
    child.on('error', reject);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (sentAt === 0 && output.includes('ready\n')) {
        rss = rssKb(child.pid);
        sentAt = performance.now();
        child.kill('SIGTERM');
      } else if (sentAt !== 0 && output.includes('got\n')) {
        const latency = performance.now() - sentAt;
        child.on('exit', () => resolve({ latency, rss }));
      }
    });
  });
}

export async function run() {
  const starts = await sampleRoundRobin(Object.keys(startVariants), ROUNDS, (name) => timeRun(...startVariants[name]));
  const nodeBaseline = median(starts['node -e 0']);
  printSection(
    `Command start-up to exit, ${ROUNDS} rounds`,
    ['command', 'median (ms)', 'p90 (ms)', 'vs node -e 0'],
    Object.entries(starts).map(([name, list]) => [name, fixed(median(list), 1), fixed(percentile(list, 0.9), 1), ratio(median(list), nodeBaseline)]),
    ['farewell is a Node.js program: its cost is one Node.js start-up plus a spawn.'],
  );

  const latencies = await sampleRoundRobin(Object.keys(latencyVariants), LATENCY_ROUNDS, (name) => timeSignal(latencyVariants[name]));
  const direct = median(latencies['signal sent to the command itself'].map((sample) => sample.latency));
  printSection(
    `Latency from SIGTERM to the command handling it, ${LATENCY_ROUNDS} rounds`,
    ['path', 'median (ms)', 'p90 (ms)', 'vs direct', 'RSS of the process signalled (MiB)'],
    Object.entries(latencies).map(([name, list]) => {
      const values = list.map((sample) => sample.latency);
      return [name, fixed(median(values), 2), fixed(percentile(values, 0.9), 2), ratio(median(values), direct), fixed(median(list.map((sample) => sample.rss)) / 1024, 1)];
    }),
    ['Measured from `kill()` in the harness to the command\'s "got" line arriving on its stdout pipe.'],
  );
}
