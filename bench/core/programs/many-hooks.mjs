// node many-hooks.mjs <count>: registers <count> no-op exit hooks (half sync,
// half async), then on SIGTERM runs them all; prints how long the exit took.
import { onExit, shutdownSignal } from 'farewell';
const count = Number(process.argv[2]);
let ran = 0;
for (let i = 0; i < count; i++) onExit(i % 2 ? () => void ran++ : async () => void ran++);
let started;
// Not a SIGTERM listener of its own: it would absorb farewell's re-raise.
shutdownSignal.addEventListener('abort', () => (started = performance.now()));
process.on('exit', () => process.stderr.write(`ran ${ran} in ${(performance.now() - started).toFixed(1)} ms\n`));
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
