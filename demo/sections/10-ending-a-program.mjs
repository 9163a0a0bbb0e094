// The core: the three ways a program stops, done gracefully.
import { spawnSync } from 'node:child_process';
import { describeEnd, examplePath, expect, runExample, show } from '../lib.mjs';

export const title = "Ending a program: exit(), Ctrl+C, errors, deadlines, exitNow(), output";

export async function run() {
  console.log("\n▸ exit('message') — like Python's sys.exit('message')");
  let result = await runExample('core/exit-message.mjs');
  show('stderr', result.stderr);
  show('stdout (hooks, newest first)', result.stdout);
  console.log(`  the program ${describeEnd(result)}`);
  expect(result.code === 1 && result.stderr === 'invalid port: eighty\n', 'status 1, the message on stderr');
  expect(result.stdout === 'hook: removed the temporary directory\nhook: closed the database\n', 'hooks ran in LIFO order');

  console.log('\n▸ Ctrl+C (SIGINT) on a program with async hooks');
  result = await runExample('core/ctrl-c.mjs', {
    onLine: (line, child) => line === 'working… press Ctrl+C' && setTimeout(() => child.kill('SIGINT'), 100),
  });
  show('stdout', result.stdout);
  console.log(`  the program ${describeEnd(result)} after ${Math.round(result.ms)} ms`);
  expect(result.signal === 'SIGINT', 'it died by SIGINT after cleanup, so a calling shell script stops too');
  expect(result.stdout.includes('hook: flushed 3 pending jobs'), 'the async hooks finished first');

  console.log('\n▸ An ExitError subclass (an expected stop, not a bug)');
  result = await runExample('core/config-error.mjs');
  show('stderr', result.stderr);
  console.log(`  the program ${describeEnd(result)}`);
  expect(result.code === 78 && !result.stderr.includes('    at '), 'status 78 (EX_CONFIG), only the message, no stack');

  console.log('\n▸ An uncaught error still cleans up');
  result = await runExample('core/uncaught.mjs');
  show('stderr', result.stderr, 6);
  show('stdout', result.stdout);
  console.log(`  the program ${describeEnd(result)}`);
  expect(result.code === 1 && result.stderr.includes('[cause]: Error: ECONNREFUSED'), 'status 1, the error printed with its cause');
  expect(result.stdout.includes('hook: saved state after error'), 'the hooks ran');

  console.log('\n▸ A hanging hook, cut by the global deadline (500 ms here)');
  result = await runExample('core/hanging-hook.mjs');
  show('stderr', result.stderr);
  console.log(`  the program ${describeEnd(result)} after ${Math.round(result.ms)} ms`);
  expect(result.code === 1 && /still running: "upload metrics"/.test(result.stderr), 'the report names the hanging hook and what keeps the process alive');

  console.log("\n▸ exitNow(3) — like Python's os._exit(3)");
  result = await runExample('core/exit-now.mjs');
  show('stdout', result.stdout);
  console.log(`  the program ${describeEnd(result)}`);
  expect(result.code === 3 && !result.stdout.includes('hook'), 'status 3 at once, no hook ran');

  console.log('\n▸ 10 MiB to stdout, read by a slow reader: node big-output.mjs | (sleep 0.5; wc -c)');
  for (const mode of ['process.exit', 'farewell']) {
    const script = `"$0" "$1" ${mode === 'process.exit' ? 'process.exit' : ''} | (sleep 0.5; wc -c)`;
    const bytes = Number(spawnSync('bash', ['-c', script, process.execPath, examplePath('core/big-output.mjs')], { encoding: 'utf8' }).stdout.trim());
    console.log(`  ${mode === 'process.exit' ? 'process.exit(0)       ' : 'exit(0), farewell'} delivered ${bytes.toLocaleString('en-US')} of 10,485,760 bytes`);
    if (mode === 'process.exit') expect(bytes < 10 * 1024 * 1024, 'process.exit() loses what the pipe could not take yet');
    else expect(bytes === 10 * 1024 * 1024, 'exit() delivers every byte');
  }
}
