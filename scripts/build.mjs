// Builds the package:
// - dist/esm: one file per entry point plus shared chunks (esbuild with code
//   splitting). Sources stay one concept per file, but the ESM loader pays per
//   file: 18 files cost +17 ms at import, one bundle +6 ms (bench/core/import-cost).
//   The chunks hold what entry points share (the core above all), so a program
//   importing farewell and farewell/http loads and compiles the core once.
// - dist/cjs: the same files, each converted to CommonJS (esbuild transform),
//   so the CommonJS tree has the same module graph: require('farewell/http')
//   requires the core's chunk instead of carrying a copy of it.
// - .d.ts declarations, bundled like the JavaScript: one file per entry point
//   plus shared chunks (tsc emits one per source file into a scratch directory,
//   rollup-plugin-dts joins them), so internal modules are not published and
//   a type shared by two entry points is declared once. The same files go
//   into both trees; dist/cjs/package.json marks that tree CommonJS for Node
//   and TypeScript alike. Each starts with `/// <reference types="node" />`:
//   TypeScript 6 and 7 default to `types: []`, and without it a consumer's
//   compiler knows neither `NodeJS.Signals` nor `node:http`.
// - dist/cjs/cli/main.js: the CLI, one CommonJS bundle (it is a program, run alone).
// The ESM and CommonJS trees are still two copies: they share state through
// Symbol.for keys (lifecycle/process-wide-manager.ts).
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build, transform } from 'esbuild';
import { rollup } from 'rollup';
import { dts } from 'rollup-plugin-dts';

/** The package's entry points (package.json "exports"), built as ESM and CommonJS. */
export const ENTRY_POINTS = ['index', 'testing/index', 'http/index', 'process/index'];
/** The CLI (package.json "bin"), built as CommonJS only: importing it would run it. */
const CLI_ENTRY = 'cli/main';

const require = createRequire(import.meta.url);
rmSync('dist', { recursive: true, force: true });

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

await bundleDeclarations();

/** Every .js file under `dir`, relative to it. */
function javascriptFiles(dir) {
  return readdirSync(dir, { recursive: true }).filter((file) => String(file).endsWith('.js')).map(String);
}

/** Writes the bundled .d.ts of every entry point, and their shared chunks, into both trees. */
async function bundleDeclarations() {
  const scratch = mkdtempSync(join(tmpdir(), 'farewell-declarations-'));
  try {
    execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json', '--emitDeclarationOnly', '--outDir', scratch], {
      stdio: 'inherit',
    });
    const bundle = await rollup({
      input: Object.fromEntries(ENTRY_POINTS.map((entry) => [entry, join(scratch, `${entry}.d.ts`)])),
      plugins: [dts()],
      external: (id) => !id.startsWith('.') && !id.startsWith('/'), // node:http and the like stay imports
    });
    const { output } = await bundle.generate({
      format: 'es',
      entryFileNames: '[name].d.ts',
      chunkFileNames: 'chunks/types-[hash].d.ts',
    });
    await bundle.close();
    for (const file of output) {
      if (file.type !== 'chunk') throw new Error(`unexpected declaration output ${file.fileName}`);
      const code = `/// <reference types="node" />\n${file.code}`;
      for (const tree of ['dist/esm', 'dist/cjs']) {
        mkdirSync(dirname(join(tree, file.fileName)), { recursive: true });
        writeFileSync(join(tree, file.fileName), code);
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
// The bin must be executable when run from a checkout; npm sets the mode
// itself when it installs the package.
chmodSync(`dist/cjs/${CLI_ENTRY}.js`, 0o755);
