// Builds the package:
// - dist/esm/<entry>.js and dist/cjs/<entry>.js: one bundle per entry point
//   (esbuild). Sources stay one concept per file, but the ESM loader pays per
//   file: 18 files cost +17 ms at import, one bundle +6 ms (bench/core/import-cost).
// - .d.ts declarations (tsc) in both trees; dist/cjs/package.json marks that
//   tree CommonJS for Node and TypeScript alike.
// Entry points share state through Symbol.for keys, not through shared modules,
// so each bundle carrying its own copy of the core is safe.
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { build } from 'esbuild';

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

for (const [format, dir] of [['esm', 'dist/esm'], ['cjs', 'dist/cjs']]) {
  const entries = format === 'cjs' ? [...ENTRY_POINTS, CLI_ENTRY] : ENTRY_POINTS;
  await build({
    entryPoints: Object.fromEntries(entries.map((entry) => [entry, `src/${entry}.ts`])),
    outdir: dir,
    bundle: true,
    format,
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
}
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
// The bin must be executable when run from a checkout; npm sets the mode
// itself when it installs the package.
chmodSync(`dist/cjs/${CLI_ENTRY}.js`, 0o755);
