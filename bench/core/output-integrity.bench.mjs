// Output integrity: bytes that reach a slow pipe reader (it starts reading
// 500 ms late) when a program writes 10 MiB to stdout and then ends.
// Target: 100 % for farewell's exit paths.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fixed, median } from '../lib/stats.mjs';
import { printSection } from '../lib/table.mjs';

const PROGRAM = fileURLToPath(new URL('programs/big-output.mjs', import.meta.url));
const TOTAL = 10 * 1024 * 1024;
const PATHS = [
  'process.exit',
  'natural end',
  'process.exitCode',
  'farewell exit(0)',
  'farewell on SIGTERM',
  'farewell exitNow(0)',
  'signal-exit + process.exit',
  'exit-hook gracefulExit(0)',
  'close-with-grace close()',
];
const RUNS = 3;

/**
 * A real slow reader, as in node-platform-facts §1: `| (sleep 0.5; wc -c)`.
 * (A Node parent that reads late is no good: once the child has exited, Node
 * discards unread child output.) The writer's end is read from PIPESTATUS.
 */
function delivered(path) {
  return new Promise((resolve, reject) => {
    const script = `"$0" "$1" "$2" | (sleep 0.5; wc -c); echo "\${PIPESTATUS[0]}"`;
    const child = spawn('bash', ['-c', script, process.execPath, PROGRAM, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(guard);
      const [bytes, status] = output.trim().split(/\s+/).map(Number);
      resolve({ bytes, end: status > 128 ? `status ${status} (signal ${status - 128})` : `status ${status}` });
    });
  });
}

export async function run() {
  const rows = [];
  for (const path of PATHS) {
    const results = [];
    for (let i = 0; i < RUNS; i++) results.push(await delivered(path));
    const bytes = median(results.map((r) => r.bytes));
    rows.push([path, bytes.toLocaleString('en-US'), `${fixed((bytes / TOTAL) * 100, 1)} %`, [...new Set(results.map((r) => r.end))].join(', ')]);
  }
  printSection('Output integrity: 10 MiB to stdout, reader starts 500 ms late', ['exit path', 'bytes delivered (median)', 'share', 'ends by'], rows, [
    `${RUNS} runs per path. \`exitNow\` is \`os._exit\`: losing queued output is its contract. Target: 100 % for farewell's graceful paths.`,
  ]);
}
