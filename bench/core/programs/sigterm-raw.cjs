// Baseline: a raw SIGTERM listener that exits at once (no hooks at all).
process.on('SIGTERM', () => process.exit(0));
setInterval(() => {}, 1 << 30);
process.stdout.write('ready\n');
