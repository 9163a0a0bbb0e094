// Links in README.md and docs/*.md lead somewhere: to a file of this
// repository and, with a #fragment, to a heading of it. The README is also
// the package's page on the npm registry, where a relative link leads
// nowhere: its links are absolute, into the repository named by
// package.json's "repository", the one place that names it.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { headingAnchors, links } from '../helpers/markdown.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const read = (path) => readFileSync(join(root, path), 'utf8');
const pkg = JSON.parse(read('package.json'));
const PAGES = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);

/** The repository's web address, from package.json's "repository" (git+https://github.com/owner/name.git). */
const repository = /^git\+(https:\/\/github\.com\/[\w.-]+\/[\w.-]+?)\.git$/.exec(pkg.repository?.url ?? '')?.[1];
/** Links into the repository's files at the default branch. */
const REPOSITORY_FILE = new RegExp(`^${repository?.replace(/[.]/g, '\\.')}/(?:blob|tree)/main/([^#?]*)(?:#(.*))?$`);

test('package.json names the repository once; homepage and bugs derive from it', () => {
  assert.ok(repository, `repository.url ${JSON.stringify(pkg.repository?.url)} is not git+https://github.com/<owner>/<name>.git`);
  assert.equal(pkg.repository.type, 'git');
  assert.equal(pkg.homepage, `${repository}#readme`);
  assert.deepEqual(pkg.bugs, { url: `${repository}/issues` });
});

/**
 * Checks that `path` (relative to the repository's root) exists and, when
 * `fragment` is given, that it names a heading of that Markdown file.
 * Returns a problem, or undefined.
 */
function problemWith(path, fragment) {
  const file = join(root, path);
  if (relative(root, file).startsWith('..')) return `${path} is outside the repository`;
  if (!existsSync(file)) return `${path} does not exist`;
  if (fragment === undefined || fragment === '') return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${fragment} on ${path}, which is not a Markdown page`;
  if (!headingAnchors(read(path)).has(decodeURIComponent(fragment))) return `${path} has no heading whose anchor is #${fragment}`;
  return undefined;
}

test('README: every link works on the registry page (absolute, into the repository) and leads to a file and heading', () => {
  const problems = [];
  for (const { line, target } of links(read('README.md'))) {
    let problem;
    if (target.startsWith('#')) problem = problemWith('README.md', target.slice(1));
    else if (/^[a-z]+:/.test(target)) {
      const match = REPOSITORY_FILE.exec(target);
      if (match) problem = problemWith(match[1], match[2]);
      else if (target.startsWith('https://github.com/') && !target.startsWith(`${repository}/`)) problem = `${target} is not in ${repository}`;
    } else problem = `${target} is relative: it leads nowhere on the npm registry's page; write ${repository}/blob/main/${target}`;
    if (problem) problems.push(`README.md:${line}: ${problem}`);
  }
  assert.deepEqual(problems, []);
});

test('docs/: every link leads to a file of the repository and, with a #fragment, to a heading', () => {
  const problems = [];
  for (const page of PAGES) {
    for (const { line, target } of links(read(page))) {
      let problem;
      if (/^[a-z]+:/.test(target)) {
        const match = REPOSITORY_FILE.exec(target);
        if (match) problem = problemWith(match[1], match[2]);
      } else {
        const [path, fragment] = target.split('#');
        problem = problemWith(path === '' ? page : normalize(join(dirname(page), path)), fragment);
      }
      if (problem) problems.push(`${page}:${line}: ${problem}`);
    }
  }
  assert.deepEqual(problems, []);
});

test('every docs page can be reached from the README', () => {
  const reached = new Set();
  const visit = (page) => {
    for (const { target } of links(read(page))) {
      const match = REPOSITORY_FILE.exec(target);
      const path = match ? match[1] : /^[a-z]+:|^#/.test(target) ? undefined : normalize(join(dirname(page), target.split('#')[0]));
      if (path && PAGES.includes(path) && !reached.has(path)) {
        reached.add(path);
        visit(path);
      }
    }
  };
  visit('README.md');
  assert.deepEqual(
    PAGES.filter((page) => !reached.has(page)),
    [],
  );
});
