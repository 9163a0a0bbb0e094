#!/usr/bin/env node
// The `farewell` command: farewell [options] [--] command [args...]
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArguments, UsageError } from './parse-arguments.js';
import { superviseWithReload } from './reload-supervisor.js';
import { say, supervise } from './supervisor.js';
import { EXIT_USAGE, usage } from './usage.js';

function version(): string {
  // The CommonJS build is the one installed as the bin: dist/cjs/cli/main.js.
  if (typeof __dirname !== 'string') return 'unknown';
  try {
    return (JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function main(argv: readonly string[]): void {
  let parsed;
  try {
    parsed = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    say(`${error.message}\nTry 'farewell --help' for more information.`);
    process.exit(EXIT_USAGE);
  }
  if (parsed.kind === 'help') return void process.stdout.write(usage());
  if (parsed.kind === 'version') return void process.stdout.write(`farewell ${version()}\n`);
  if (parsed.reload !== undefined) superviseWithReload(parsed, parsed.reload);
  else supervise(parsed);
}

main(process.argv.slice(2));
