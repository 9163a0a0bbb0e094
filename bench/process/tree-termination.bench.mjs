// Terminating a tree of 100 processes (sh → 9 sh → 10 sleep each): farewell's
// terminate() against tree-kill, on the same tree shape, round-robin in one run.
// Measures the time until the call resolves (tree-kill: its callback) and until
// every process of the tree is gone, and how many are left behind.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { findDescendants, terminate } from 'farewell/process';
import { fixed, median, percentile, ratio, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';

const treeKill = createRequire(import.meta.url)('tree-kill');
const ROUNDS = 8;
const TREE_SIZE = 100;
const INNER = 'for j in 1 2 3 4 5 6 7 8 9 10; do sleep 1000 & done; wait';
const SCRIPT = `for i in 1 2 3 4 5 6 7 8 9; do sh -c '${INNER}' & done; wait`;

function alive(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    return text.slice(text.lastIndexOf(')') + 2)[0] !== 'Z'; // a zombie is dead, only not reaped yet
  } catch {
    return false;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function startTree(detached) {
  const root = spawn('sh', ['-c', SCRIPT], { stdio: 'ignore', detached });
  for (let tries = 0; tries < 500; tries++) {
    const pids = findDescendants(root.pid);
    if (pids.length === TREE_SIZE - 1) return { root, pids: [root.pid, ...pids] };
    await sleep(10);
  }
  throw new Error('the tree did not reach 100 processes in 5 s');
}

/** Polls every millisecond until every pid is dead; returns ms since `since`, or NaN after `limitMs`. */
async function allGone(pids, since, limitMs = 5000) {
  while (performance.now() - since < limitMs) {
    if (pids.every((pid) => !alive(pid))) return performance.now() - since;
    await sleep(1);
  }
  return NaN;
}

const variants = {
  'tree-kill (SIGTERM)': { detached: false, stop: (root) => new Promise((resolve) => treeKill(root.pid, 'SIGTERM', resolve)) },
  'terminate() — descendants via /proc': { detached: false, stop: (root) => terminate(root, { timeout: 5000 }) },
  'terminate() — detached child, process group': { detached: true, stop: (root) => terminate(root, { timeout: 5000 }) },
};

export async function run() {
  const samples = await sampleRoundRobin(Object.keys(variants), ROUNDS, async (name) => {
    const { detached, stop } = variants[name];
    const { root, pids } = await startTree(detached);
    const started = performance.now();
    await stop(root);
    const returned = performance.now() - started;
    const gone = await allGone(pids, started);
    await sleep(200);
    const left = pids.filter(alive);
    for (const pid of left) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone meanwhile
      }
    }
    return { returned, gone, left: left.length };
  });
  const baseline = median(samples['tree-kill (SIGTERM)'].map((sample) => sample.gone));
  const rows = Object.entries(samples).map(([name, list]) => {
    const gone = list.map((sample) => sample.gone).filter(Number.isFinite);
    const left = list.reduce((sum, sample) => sum + sample.left, 0);
    return [
      name,
      fixed(median(list.map((sample) => sample.returned)), 1),
      fixed(median(gone), 1),
      fixed(percentile(gone, 0.9), 1),
      ratio(median(gone), baseline),
      `${list.length * TREE_SIZE - left}/${list.length * TREE_SIZE}`,
    ];
  });
  printSection(
    `Terminating a tree of ${TREE_SIZE} processes (sh → 9 × sh → 10 × sleep), ${ROUNDS} rounds`,
    ['method', 'call returns (ms, median)', 'all gone (ms, median)', 'all gone p90', 'vs tree-kill', 'processes stopped'],
    rows,
    [
      '"all gone" is measured by this harness polling /proc every 1 ms after the call starts (a zombie counts as gone). ' +
        'tree-kill lists the tree with one `ps --ppid` per process and calls back once the signals are sent; terminate() ' +
        'reads /proc once, sends one signal per process (one kill(-pgid) for a group) and resolves when all are gone.',
    ],
  );
}
