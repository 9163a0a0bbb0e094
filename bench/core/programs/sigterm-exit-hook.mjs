import { asyncExitHook } from 'exit-hook';
for (let i = 0; i < 10; i++) asyncExitHook(async () => {}, { wait: 1000 });
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
