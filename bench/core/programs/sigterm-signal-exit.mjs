// signal-exit cannot await: its callbacks are synchronous (tapjs/signal-exit#46).
import { onExit } from 'signal-exit';
for (let i = 0; i < 10; i++) onExit(() => {});
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
