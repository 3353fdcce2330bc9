#!/usr/bin/env node
// Proves that the runtime-neutral entries bundle without Node: the root entry of
// `@constelite/server` for any Hono runtime (`--platform=neutral`) and `@constelite/client` for
// browsers (`--platform=browser`). Any import of a Node built-in (`node:fs`, `fs`, …), static or
// dynamic, anywhere in their module graph fails the check with the file that imports it
// (docs/architecture.md: Node-only code lives behind `@constelite/server/node`).
// Prints each bundle's minified and gzipped size.
import { builtinModules } from 'node:module';
import { resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = resolve(import.meta.dirname, '..');
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

const targets = [
  { name: '@constelite/server', entry: 'packages/server/src/index.ts', platform: 'neutral' },
  { name: '@constelite/client', entry: 'packages/client/src/index.ts', platform: 'browser' },
];

let failed = 0;
for (const target of targets) {
  /** @type {{ builtin: string, importer: string, kind: string }[]} */
  const found = [];
  const result = await build({
    absWorkingDir: root,
    entryPoints: [target.entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: target.platform,
    // The workspace's TypeScript sources, as the tests use them (no build needed first).
    conditions: ['@constelite/source'],
    // The neutral platform has no default main fields; packages without `exports` still need one.
    mainFields: target.platform === 'neutral' ? ['module', 'main'] : undefined,
    logLevel: 'silent',
    plugins: [
      {
        name: 'node-builtins',
        setup(plugin) {
          plugin.onResolve({ filter: /.*/ }, (args) => {
            if (!builtins.has(args.path)) return undefined;
            found.push({ builtin: args.path, importer: args.importer, kind: args.kind });
            return { path: args.path, external: true };
          });
        },
      },
    ],
  }).catch((error) => ({ error }));
  if ('error' in result) {
    failed++;
    console.error(`${target.name} (${target.platform}): the bundle failed:\n${result.error.message}`);
    continue;
  }
  if (found.length) {
    failed++;
    console.error(`${target.name} (${target.platform}) imports Node built-ins:`);
    for (const { builtin, importer, kind } of found) {
      console.error(
        `  ${builtin} (${kind}) from ${importer.startsWith(root) ? importer.slice(root.length + 1) : importer}`,
      );
    }
    continue;
  }
  const code = result.outputFiles[0].contents;
  console.log(
    `${target.name} (${target.platform}): no Node built-in; ${kib(code.length)} minified, ${kib(gzipSync(code).length)} gzipped`,
  );
}
process.exitCode = failed ? 1 : 0;

function kib(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}
