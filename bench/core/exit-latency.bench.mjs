// SIGTERM → process gone, with 10 no-op async exit hooks, against a raw
// `process.on('SIGTERM', () => process.exit(0))` and the peers.
// Target: farewell ≤ raw + 1 ms at the median.
import { fileURLToPath } from 'node:url';
import { spawnReady } from '../lib/spawn.mjs';
import { fixed, median, percentile, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';

const program = (name) => fileURLToPath(new URL(`programs/${name}`, import.meta.url));
const VARIANTS = {
  'raw process.on + process.exit(0)': 'sigterm-raw.cjs',
  'farewell (10 async hooks)': 'sigterm-farewell.mjs',
  'farewell, the exit report read (channel + listener)': 'sigterm-farewell-report.mjs',
  'signal-exit (10 sync callbacks)': 'sigterm-signal-exit.mjs',
  'exit-hook asyncExitHook (10 hooks)': 'sigterm-exit-hook.mjs',
  'close-with-grace (10 awaited calls)': 'sigterm-close-with-grace.cjs',
};
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 40);

async function timeSigterm(file) {
  const { child, ended } = await spawnReady([program(file)]);
  // Let the child settle into its idle loop after printing "ready".
  await new Promise((resolve) => setTimeout(resolve, 20));
  const sent = performance.now();
  child.kill('SIGTERM');
  const { at, code, signal } = await ended;
  return { ms: at - sent, end: signal ?? `code ${code}` };
}

export async function run() {
  const samples = await sampleRoundRobin(Object.keys(VARIANTS), ROUNDS, (name) => timeSigterm(VARIANTS[name]));
  const raw = median(samples['raw process.on + process.exit(0)'].map((s) => s.ms));
  const rows = Object.entries(samples).map(([name, list]) => {
    const ms = list.map((s) => s.ms);
    const ends = [...new Set(list.map((s) => s.end))].join(', ');
    return [name, fixed(median(ms)), fixed(percentile(ms, 0.9)), `${median(ms) - raw >= 0 ? '+' : ''}${fixed(median(ms) - raw)}`, ends];
  });
  printSection('SIGTERM → process gone (10 no-op hooks)', ['variant', 'median ms', 'p90 ms', 'median − raw (ms)', 'ends by'], rows, [
    `${ROUNDS} rounds, variants interleaved; time from kill() in the parent to the child's exit event. Targets: farewell ≤ raw + 1 ms at the median; reading the exit report adds nothing measurable.`,
  ]);
}
