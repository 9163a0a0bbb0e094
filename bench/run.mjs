// npm run bench: runs every benchmark in bench/<area>/*.bench.mjs in order and
// prints Markdown sections (copied into docs/benchmarks.md with date and Node
// version). `npm run bench -- core` runs one area; `-- core/exit-latency` one file.
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const filter = process.argv[2];
const areas = ['core', 'http', 'process', 'cli'];
const files = areas.flatMap((area) => {
  try {
    return readdirSync(join('bench', area))
      .filter((name) => name.endsWith('.bench.mjs'))
      .sort()
      .map((name) => join('bench', area, name));
  } catch {
    return [];
  }
});

console.log(`## Benchmarks — ${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${process.platform} ${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`);
for (const file of files) {
  if (filter && !file.includes(filter)) continue;
  const started = performance.now();
  const { run } = await import(pathToFileURL(file).href);
  await run();
  console.error(`(${file} took ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
