#!/usr/bin/env node
// Fails when any source file of a package imports itself back through a chain of imports
// (docs/architecture.md: the package graph has no upward edge, and neither has a package's own
// files). Type-only imports are left out: they are erased from the build, and some types are
// mutually recursive by nature (a model's fields name models, a model names its fields).
import { readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import madge from 'madge';

const root = resolve(import.meta.dirname, '..');
const sources = readdirSync(join(root, 'packages'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(root, 'packages', entry.name, 'src'));

const baseDir = join(root, 'packages');
const result = await madge(sources, {
  baseDir,
  fileExtensions: ['ts'],
  tsConfig: join(root, 'tsconfig.base.json'),
  // Other packages are reached through their exports; a cycle between packages cannot exist (pnpm refuses it).
  excludeRegExp: [/node_modules/],
  detectiveOptions: { ts: { skipTypeImports: true }, tsx: { skipTypeImports: true } },
});
// A relative import madge cannot resolve would hide any cycle through it.
const unresolved = result.warnings().skipped.filter((specifier) => specifier.startsWith('.'));
if (unresolved.length) {
  console.error(`import cycles: cannot resolve ${unresolved.join(', ')}`);
  process.exit(1);
}
const cycles = result.circular();
const files = Object.keys(result.obj()).length;
if (cycles.length === 0) {
  console.log(`import cycles: none among ${files} source files of packages/*/src`);
} else {
  console.error(`import cycles: ${cycles.length} among ${files} source files of packages/*/src`);
  for (const cycle of cycles) {
    const chain = [...cycle, cycle[0]].map((file) => relative(root, join(baseDir, file)));
    console.error(`  ${chain.join(' -> ')}`);
  }
  process.exitCode = 1;
}
