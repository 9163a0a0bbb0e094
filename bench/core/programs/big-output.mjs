// Writes 10 MiB to stdout in 64 KiB chunks, then ends by the path in argv[2].
const path = process.argv[2];
const chunk = Buffer.alloc(65536, 'x');
const write = () => {
  for (let written = 0; written < 10 * 1024 * 1024; written += chunk.length) process.stdout.write(chunk);
};

switch (path) {
  case 'process.exit': write(); process.exit(0); break;
  case 'natural end': write(); break;
  case 'process.exitCode': write(); process.exitCode = 0; break;
  case 'farewell exit(0)': { const { exit } = await import('farewell'); write(); exit(0); break; }
  case 'farewell on SIGTERM': {
    const { onExit } = await import('farewell');
    onExit(() => {});
    write();
    process.kill(process.pid, 'SIGTERM');
    setInterval(() => {}, 1000);
    break;
  }
  case 'farewell exitNow(0)': { const { exitNow } = await import('farewell'); write(); exitNow(0); break; }
  case 'signal-exit + process.exit': { const { onExit } = await import('signal-exit'); onExit(() => {}); write(); process.exit(0); break; }
  case 'exit-hook gracefulExit(0)': { const { gracefulExit, asyncExitHook } = await import('exit-hook'); asyncExitHook(async () => {}, { wait: 1000 }); write(); gracefulExit(0); break; }
  case 'close-with-grace close()': {
    const { default: closeWithGrace } = await import('close-with-grace');
    const { close } = closeWithGrace({ logger: false }, async () => {});
    write();
    close();
    break;
  }
  default: throw new Error(`unknown path ${path}`);
}
