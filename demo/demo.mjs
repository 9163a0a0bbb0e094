// npm run demo: a narrated, non-interactive tour. Each section in
// demo/sections runs real example programs and checks what it shows; the
// demo exits non-zero if any behaviour it demonstrates did not happen.
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const sectionsDir = new URL('sections/', import.meta.url);
const files = readdirSync(sectionsDir).filter((name) => name.endsWith('.mjs')).sort();

console.log(`farewell demo (Node ${process.version})`);
let failures = 0;
for (const file of files) {
  const section = await import(pathToFileURL(new URL(file, sectionsDir).pathname).href);
  console.log(`\n━━ ${section.title} ━━`);
  try {
    await section.run();
  } catch (error) {
    failures++;
    console.log(`  ✘ ${error.message}`);
  }
}
console.log(failures === 0 ? '\nEverything shown above happened as described.' : `\n${failures} section(s) did not behave as described.`);
process.exitCode = failures === 0 ? 0 : 1;
