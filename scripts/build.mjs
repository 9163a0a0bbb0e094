// Builds the package:
// - dist/esm: one file per entry point plus shared chunks (esbuild with code
//   splitting). Sources stay one concept per file, but the ESM loader pays per
//   file: 18 files cost +17 ms at import, one bundle +6 ms (bench/core/import-cost).
//   The chunks hold what entry points share (the core above all), so a program
//   importing farewell and farewell/http loads and compiles the core once.
// - dist/cjs: the same files, each converted to CommonJS (esbuild transform),
//   so the CommonJS tree has the same module graph: require('farewell/http')
//   requires the core's chunk instead of carrying a copy of it.
// - .d.ts declarations (tsc) in both trees; dist/cjs/package.json marks that
//   tree CommonJS for Node and TypeScript alike.
// - dist/cjs/cli/main.js: the CLI, one CommonJS bundle (it is a program, run alone).
// The ESM and CommonJS trees are still two copies: they share state through
// Symbol.for keys (lifecycle/process-wide-manager.ts).
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build, transform } from 'esbuild';

/** The package's entry points (package.json "exports"), built as ESM and CommonJS. */
export const ENTRY_POINTS = ['index', 'testing/index', 'http/index', 'process/index'];
/** The CLI (package.json "bin"), built as CommonJS only: importing it would run it. */
const CLI_ENTRY = 'cli/main';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });

execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly', '--outDir', 'dist/esm'], {
  stdio: 'inherit',
});
rmSync(`dist/esm/cli`, { recursive: true }); // the CLI has no types to publish
cpSync('dist/esm', 'dist/cjs', { recursive: true });

await build({
  entryPoints: Object.fromEntries(ENTRY_POINTS.map((entry) => [entry, `src/${entry}.ts`])),
  outdir: 'dist/esm',
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  format: 'esm',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

for (const file of javascriptFiles('dist/esm')) {
  const { code } = await transform(readFileSync(join('dist/esm', file), 'utf8'), { format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' });
  mkdirSync(dirname(join('dist/cjs', file)), { recursive: true });
  writeFileSync(join('dist/cjs', file), code);
}

await build({
  entryPoints: { [CLI_ENTRY]: `src/${CLI_ENTRY}.ts` },
  outdir: 'dist/cjs',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  logLevel: 'warning',
});

/** Every .js file under `dir`, relative to it. */
function javascriptFiles(dir) {
  return readdirSync(dir, { recursive: true }).filter((file) => String(file).endsWith('.js')).map(String);
}

writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
// The bin must be executable when run from a checkout; npm sets the mode
// itself when it installs the package.
chmodSync(`dist/cjs/${CLI_ENTRY}.js`, 0o755);
