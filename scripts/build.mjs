// Builds dist/esm (ES modules) and dist/cjs (CommonJS) from the same sources.
// dist/cjs gets its own package.json so Node and TypeScript read its .js and
// .d.ts files as CommonJS although the package root says "type": "module".
import { execFileSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const tsc = require.resolve('typescript/bin/tsc');

rmSync('dist', { recursive: true, force: true });
for (const project of ['tsconfig.json', 'tsconfig.cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
// The bin (package.json "bin") must be executable when run from a checkout;
// npm sets the mode itself when it installs the package.
chmodSync('dist/cjs/cli/main.js', 0o755);
