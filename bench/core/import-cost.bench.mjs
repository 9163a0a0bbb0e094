// Import cost: wall time and RSS of a process that only imports the package,
// over `node -e 0`. Target: no more than signal-exit's. The core and
// farewell/http together show what the shared chunk saves (issue 8).
import { runNode } from '../lib/spawn.mjs';
import { fixed, median, sampleRoundRobin } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';

const RSS = 'process.stdout.write(String(process.memoryUsage().rss))';
const VARIANTS = {
  'node (nothing imported)': ['--input-type=module', '-e', RSS],
  'farewell (ESM)': ['--input-type=module', '-e', `import 'farewell'; ${RSS}`],
  'farewell (CJS)': ['-e', `require('farewell'); ${RSS}`],
  'farewell + farewell/http (ESM)': ['--input-type=module', '-e', `import 'farewell'; import 'farewell/http'; ${RSS}`],
  'farewell + farewell/http (CJS)': ['-e', `require('farewell'); require('farewell/http'); ${RSS}`],
  'signal-exit (ESM)': ['--input-type=module', '-e', `import 'signal-exit'; ${RSS}`],
  'exit-hook (ESM)': ['--input-type=module', '-e', `import 'exit-hook'; ${RSS}`],
  'close-with-grace (CJS)': ['-e', `require('close-with-grace'); ${RSS}`],
};
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);

export async function run() {
  const samples = await sampleRoundRobin(Object.keys(VARIANTS), ROUNDS, async (name) => {
    const result = await runNode(VARIANTS[name]);
    return { ms: result.ms, rss: Number(result.stdout) };
  });
  const base = samples['node (nothing imported)'];
  const baseMs = median(base.map((s) => s.ms));
  const baseRss = median(base.map((s) => s.rss));
  const rows = Object.entries(samples).map(([name, list]) => {
    const ms = median(list.map((s) => s.ms));
    const rss = median(list.map((s) => s.rss));
    return [name, fixed(ms, 1), `+${fixed(ms - baseMs, 1)}`, fixed(rss / 2 ** 20, 1), `+${fixed((rss - baseRss) / 1024, 0)}`];
  });
  printSection('Import cost', ['variant', 'wall median ms', 'Δ wall ms', 'RSS median MiB', 'Δ RSS KiB'], rows, [
    `${ROUNDS} runs each, interleaved; wall = spawn to exit of a process that imports the package and prints its RSS. Target: no more than signal-exit's.`,
  ]);
}
