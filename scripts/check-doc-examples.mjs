#!/usr/bin/env node
/**
 * Type-checks the TypeScript examples of the documentation, so that the docs cannot drift from
 * the code. Run it from the repository root: `node scripts/check-doc-examples.mjs` (part of
 * `pnpm check`).
 *
 * What is checked: every fenced code block labelled ```ts (or ```typescript) in README.md,
 * packages/<name>/README.md, apps/<name>/README.md and docs/**.md. Each block is written to a
 * scratch file under apps/demo/.doc-examples/ (gitignored; the demo depends on every package)
 * and the lot is type-checked with `tsc --noEmit` under the repository's strict
 * tsconfig.base.json, against the workspace sources (the `@constelite/source` export
 * condition). Blocks in other languages (```sh for shell commands, ```json, a bare ``` for a
 * diagram) are not checked.
 *
 * How to write a checked block:
 * - A block is a module of its own: it imports what it uses (the checker adds `export {}`, so
 *   top-level `await` works and names do not clash between blocks).
 * - `// continued` as the first line: the block goes on from the previous ```ts block of the
 *   same Markdown file and is checked as one file with it (it may use that block's names).
 * - `// <path>.ts` as the first line (e.g. `// test/conformance.test.ts`, optionally followed
 *   by a remark): the block stands for the file at that path, relative to the repository
 *   root. Without one, a block stands for a file in apps/demo/src/.
 * - A relative import (`./models.js`) resolves from the folder of the file the block stands
 *   for: to another block of the same Markdown file that stands for the target, else to the
 *   file of the repository at that place. So a plain block may import the seed walkthrough's
 *   `./models.js` and `./protocols.js` (apps/demo/src), and a block standing for
 *   `packages/sqlite-store/src/sqlite-store.ts` imports that package's `./driver.js`.
 * - A line that must not compile is shown as a comment, or preceded by `// @ts-expect-error`.
 *
 * It also checks the pointers into the docs that comments and docs carry, of the form
 * `docs/concepts.md, "Relationships"`: the file must exist and have a heading with that text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, posix, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const host = 'apps/demo';
const scratch = join(root, host, '.doc-examples');
const defaultDir = `${host}/src`;
const checkedLanguages = new Set(['ts', 'typescript', 'mts', 'cts']);

/** Repository-relative paths with forward slashes. */
const rel = (path) => relative(root, path).split('\\').join('/');

function markdownFiles() {
  const files = [];
  const add = (path) => existsSync(join(root, path)) && files.push(path);
  add('README.md');
  for (const parent of ['packages', 'apps']) {
    const dir = join(root, parent);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) add(`${parent}/${name}/README.md`);
  }
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      const path = `${dir}/${name}`;
      if (name === 'node_modules') continue;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (name.endsWith('.md')) files.push(path);
    }
  };
  if (existsSync(join(root, 'docs'))) walk('docs');
  return files;
}

/** The fenced code blocks of a Markdown text: language, the line of the first code line, the code. */
function codeBlocks(text) {
  const lines = text.split('\n');
  const blocks = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info] = open;
    const code = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(lines[j]);
      if (close && close[1][0] === fence[0] && close[1].length >= fence.length) break;
      code.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j].trimStart());
    }
    blocks.push({ language: info.toLowerCase(), line: i + 2, code });
    i = j;
  }
  return blocks;
}

const continuedMarker = /^\/\/\s*continued\b/i;
const pathMarker = /^\/\/\s*((?:[\w@.-]+\/)*[\w.-]+\.(?:ts|mts|cts))(?=[\s:,;(—-]|$)/;

/** Groups the checked blocks of one Markdown file into files (units): path, lines, origin of each line. */
function unitsOf(markdown, blocks, problems) {
  const units = [];
  let count = 0;
  for (const block of blocks) {
    if (!checkedLanguages.has(block.language)) continue;
    count++;
    const first = block.code[0] ?? '';
    const origin = block.code.map((_, index) => block.line + index);
    if (continuedMarker.test(first)) {
      const previous = units.at(-1);
      if (!previous) {
        problems.push(`${markdown}:${block.line}: '// continued' but no ts block comes before it`);
        continue;
      }
      previous.lines.push(...block.code);
      previous.origin.push(...origin);
      continue;
    }
    const named = pathMarker.exec(first)?.[1];
    const path = named ? posix.normalize(named) : `${defaultDir}/doc-example-${count}.ts`;
    if (units.some((unit) => unit.path === path)) {
      problems.push(`${markdown}:${block.line}: a second block stands for ${path}; mark it '// continued'`);
      continue;
    }
    units.push({ path, lines: [...block.code], origin });
  }
  return units;
}

const relativeImport = /(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;

/** The repository file a relative specifier names (`./models.js` → `apps/demo/src/models.ts`), if any. */
function repositoryTarget(path) {
  const candidates = [path];
  if (/\.[mc]?js$/.test(path)) candidates.unshift(path.replace(/\.([mc]?)js$/, '.$1ts'));
  else candidates.push(`${path}.ts`, `${path}/index.ts`);
  return candidates.find(
    (candidate) => existsSync(join(root, candidate)) && statSync(join(root, candidate)).isFile(),
  );
}

/** Workspace packages the demo does not depend on, mapped to their sources for the compiler. */
function workspacePaths() {
  const paths = {};
  const dir = join(root, 'packages');
  for (const name of readdirSync(dir)) {
    const manifestPath = join(dir, name, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (existsSync(join(root, host, 'node_modules', manifest.name, 'package.json'))) continue;
    for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
      const source = typeof target === 'object' && target !== null ? target['@constelite/source'] : undefined;
      if (typeof source !== 'string') continue;
      const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.replace(/^\.\//, '')}`;
      paths[specifier] = [
        relative(scratch, join(dir, name, source))
          .split('\\')
          .join('/'),
      ];
    }
  }
  return paths;
}

/** Writes `text` unless the file holds it already (so the compiler's incremental state stays valid). */
function writeIfChanged(file, text) {
  if (existsSync(file) && readFileSync(file, 'utf8') === text) return;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

/** Removes the example files of earlier runs that this run did not write. */
function removeStale(dir, keep) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      removeStale(path, keep);
      if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
    } else if (path.endsWith('.ts') && !keep.has(path)) {
      rmSync(path);
    }
  }
}

function checkExamples() {
  const problems = [];
  const files = [];
  mkdirSync(scratch, { recursive: true });
  writeIfChanged(join(scratch, '.gitignore'), '# Written by scripts/check-doc-examples.mjs\n*\n');
  let blockCount = 0;
  for (const markdown of markdownFiles()) {
    const blocks = codeBlocks(readFileSync(join(root, markdown), 'utf8'));
    blockCount += blocks.filter((block) => checkedLanguages.has(block.language)).length;
    const units = unitsOf(markdown, blocks, problems);
    const folder = markdown.replace(/[/.]/g, '_');
    const scratchOf = (unitPath) => join(scratch, folder, unitPath);
    for (const unit of units) {
      const file = scratchOf(unit.path);
      const lines = unit.lines.map((line, at) =>
        line.replace(relativeImport, (whole, keyword, quote, specifier) => {
          const target = posix.normalize(posix.join(posix.dirname(unit.path), specifier));
          const sibling = units.find(
            (other) => other !== unit && other.path === target.replace(/\.([mc]?)js$/, '.$1ts'),
          );
          const real = sibling ? null : repositoryTarget(target);
          if (!sibling && !real) {
            problems.push(
              `${markdown}:${unit.origin[at]}: '${specifier}' is neither a block of this file (a block whose first line is '// ${target.replace(/\.([mc]?)js$/, '.$1ts')}') nor a file of the repository`,
            );
            return whole;
          }
          const to = sibling ? scratchOf(sibling.path) : join(root, real);
          let path = relative(dirname(file), to)
            .split('\\')
            .join('/')
            .replace(/\.([mc]?)ts$/, '.$1js');
          if (!path.startsWith('.')) path = `./${path}`;
          return `${keyword}${quote}${path}${quote}`;
        }),
      );
      writeIfChanged(file, `${lines.join('\n')}\nexport {};\n`);
      files.push({ file: rel(file), markdown, origin: unit.origin });
    }
  }

  removeStale(scratch, new Set(files.map((entry) => join(root, entry.file))));
  writeIfChanged(
    join(scratch, 'tsconfig.json'),
    `${JSON.stringify(
      {
        extends: '../../../tsconfig.base.json',
        compilerOptions: {
          noEmit: true,
          // Unchanged examples and sources are not checked again (the file is gitignored).
          incremental: true,
          tsBuildInfoFile: './tsconfig.tsbuildinfo',
          declaration: false,
          declarationMap: false,
          sourceMap: false,
          paths: workspacePaths(),
        },
        include: ['**/*.ts'],
      },
      null,
      2,
    )}\n`,
  );

  if (files.length > 0) {
    const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
    const run = spawnSync(
      process.execPath,
      [tsc, '-p', join(scratch, 'tsconfig.json'), '--pretty', 'false'],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
    for (const line of output.split('\n')) {
      if (!line.trim()) continue;
      const at = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
      const example = at && files.find((entry) => entry.file === rel(resolve(root, at[1])));
      if (at && example) {
        const origin = example.origin[Number(at[2]) - 1];
        problems.push(
          `${example.markdown}:${origin ?? `(end of the block ending at ${example.origin.at(-1)})`}:${at[3]}: ${at[4]}`,
        );
      } else if (at) {
        problems.push(`${at[1]}:${at[2]}:${at[3]}: ${at[4]}`);
      } else if (/^\s/.test(line) && problems.length > 0) {
        problems[problems.length - 1] += `\n${line}`;
      } else {
        problems.push(line);
      }
    }
    if (run.status !== 0 && problems.length === 0)
      problems.push(`tsc failed (exit ${run.status}) without a message`);
  }
  return { problems, blockCount, fileCount: files.length };
}

/** Every `docs/<file>.md, "<Heading>"` pointer in sources and docs names a file and one of its headings. */
function checkPointers() {
  const problems = [];
  const pointer = /docs\/([\w./-]+\.md)(?:,\s*"([^"\n]+)")?/g;
  const headings = new Map();
  const headingsOf = (doc) => {
    if (!headings.has(doc)) {
      const path = join(root, 'docs', doc);
      const text = existsSync(path) ? readFileSync(path, 'utf8') : null;
      headings.set(
        doc,
        text === null
          ? null
          : new Set(
              text
                .split('\n')
                .map((line) => /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1])
                .filter(Boolean)
                // A numbered heading ("## 6. How the contract evolves") is cited without its number.
                .flatMap((heading) => {
                  const text = heading.replace(/`/g, '');
                  return [text, text.replace(/^\d+(\.\d+)*\.?\s+/, '')];
                }),
            ),
      );
    }
    return headings.get(doc);
  };
  const skip = new Set(['node_modules', 'dist', '.turbo', 'coverage', '.doc-examples', '.git']);
  const scan = (path) => {
    readFileSync(join(root, path), 'utf8')
      .split('\n')
      .forEach((line, index) => {
        for (const [, doc, heading] of line.matchAll(pointer)) {
          const known = headingsOf(doc);
          if (known === null)
            problems.push(`${path}:${index + 1}: points at docs/${doc}, which does not exist`);
          else if (heading && !known.has(heading))
            problems.push(`${path}:${index + 1}: docs/${doc} has no heading "${heading}"`);
        }
      });
  };
  const walk = (dir) => {
    for (const name of readdirSync(join(root, dir)).sort()) {
      if (skip.has(name)) continue;
      const path = `${dir}/${name}`;
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (/\.(ts|mts|cts|mjs|js|md)$/.test(name)) scan(path);
    }
  };
  if (existsSync(join(root, 'README.md'))) scan('README.md');
  for (const top of ['packages', 'apps', 'docs', 'scripts']) if (existsSync(join(root, top))) walk(top);
  return problems;
}

const examples = checkExamples();
const pointers = checkPointers();
const problems = [...examples.problems, ...pointers];
if (problems.length > 0) {
  console.error(
    `Documentation check failed (${problems.length} problem${problems.length === 1 ? '' : 's'}):`,
  );
  for (const problem of problems) console.error(`  ${problem}`);
  process.exit(1);
}
console.log(
  `Documentation check: ${examples.blockCount} TypeScript blocks in ${examples.fileCount} files type-check; every docs pointer names an existing heading.`,
);
