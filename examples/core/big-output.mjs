// Writes 10 MiB to stdout, then ends with exit(0) from farewell, or with
// process.exit(0) when run with the argument "process.exit".
// Try: node big-output.mjs | (sleep 0.5; wc -c)
//      node big-output.mjs process.exit | (sleep 0.5; wc -c)
import { exit } from 'farewell';

const chunk = Buffer.alloc(65536, 'x');
for (let written = 0; written < 10 * 1024 * 1024; written += chunk.length) process.stdout.write(chunk);
if (process.argv[2] === 'process.exit') process.exit(0);
exit(0);
