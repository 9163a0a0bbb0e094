import { onExit } from 'farewell';
for (let i = 0; i < 10; i++) onExit(async () => {});
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
