#!/usr/bin/env node
// CI's rehearsal of `pnpm release` (README "Releasing"): `changeset status` checks the pending
// changesets; they are versioned (scripts/version-packages.mjs) into a scratch copy of the
// repository (the repository itself is not touched); the packages are built there and
// `pnpm -r publish --dry-run` runs; each packed tarball must hold its `dist`, the types and files
// its `exports` name and its README, and no `workspace:` range. Also checks that every
// internal range as published admits the version the release gives its target (a peer range the
// release leaves behind would make installs fail). `--keep` keeps the scratch copy.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const keep = process.argv.includes('--keep');
const scratch = mkdtempSync(join(tmpdir(), 'constelite-release-'));

const run = (command, args, cwd, options = {}) => {
  console.log(`$ ${command} ${args.join(' ')}`);
  return execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
    ...options,
  });
};

const manifestsOf = (dir) =>
  readdirSync(join(dir, 'packages'))
    .filter((name) => existsSync(join(dir, 'packages', name, 'package.json')))
    .map((name) => ({
      dir: join(dir, 'packages', name),
      manifest: JSON.parse(readFileSync(join(dir, 'packages', name, 'package.json'), 'utf8')),
    }));

let failures = 0;
const fail = (message) => {
  failures++;
  console.error(`release: ${message}`);
};

try {
  // 1. The pending changesets are valid (`changeset status`), and the plan our version step makes of them.
  const status = join(scratch, 'status.json');
  run('pnpm', ['exec', 'changeset', 'status', `--output=${status}`], root);
  const planText = run('node', ['scripts/version-packages.mjs', '--plan'], root);
  process.stdout.write(planText);
  const planned = Object.fromEntries(
    [...planText.matchAll(/^ {2}(\S+): (\S+) -> (\S+) \((\w+)\)$/gm)].map((match) => [match[1], match[3]]),
  );
  if (Object.keys(planned).length === 0)
    console.log('release: no pending changesets; packing the current versions');

  // 2. A scratch copy: the files git would commit (tracked, and new ones not ignored), in a repository of its own.
  const copy = join(scratch, 'repo');
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root)
    .split('\0')
    .filter((file) => file && existsSync(join(root, file)));
  for (const file of files) {
    mkdirSync(dirname(join(copy, file)), { recursive: true });
    cpSync(join(root, file), join(copy, file));
  }
  run('git', ['init', '-q', '-b', 'main'], copy);
  run('git', ['add', '-A'], copy);
  run(
    'git',
    ['-c', 'user.name=release', '-c', 'user.email=release@localhost', 'commit', '-q', '-m', 'scratch'],
    copy,
  );
  // Native build scripts (better-sqlite3) are not needed to build or pack; the store serves the rest offline.
  run('pnpm', ['install', '--frozen-lockfile', '--offline', '--ignore-scripts', '--reporter=silent'], copy, {
    stdio: 'inherit',
  });

  // 3. Version, as `pnpm release` does: bumps, changelogs, changesets consumed.
  run('node', ['scripts/version-packages.mjs'], copy, { stdio: 'inherit' });
  const after = manifestsOf(copy);
  const versionOf = Object.fromEntries(after.map(({ manifest }) => [manifest.name, manifest.version]));
  for (const [name, version] of Object.entries(planned)) {
    if (versionOf[name] !== version)
      fail(`${name} was versioned ${versionOf[name]}, the plan said ${version}`);
    const entry = after.find(({ manifest }) => manifest.name === name);
    const changelog = entry ? join(entry.dir, 'CHANGELOG.md') : '';
    if (
      entry &&
      !entry.manifest.private &&
      !(existsSync(changelog) && readFileSync(changelog, 'utf8').includes(`## ${version}`))
    ) {
      fail(`${name}'s CHANGELOG.md has no section for ${version}`);
    }
  }
  const left = readdirSync(join(copy, '.changeset')).filter(
    (file) => file.endsWith('.md') && file !== 'README.md',
  );
  if (left.length) fail(`the version step left ${left.join(', ')}`);

  // 4. Build, then the publish itself, dry (it runs each package's prepack, as a real publish does).
  run('pnpm', ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], copy, {
    stdio: 'inherit',
  });
  run('pnpm', ['-r', '--filter=./packages/*', 'publish', '--dry-run', '--no-git-checks'], copy, {
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  // 5. Each tarball (as `pnpm pack` writes it, workspace ranges replaced): dist, the files its
  //    exports name (types included) and README.
  const tarballs = join(scratch, 'tarballs');
  mkdirSync(tarballs);
  // Without dist/, as in a fresh clone: each package's prepack must build it (from turbo's cache here).
  for (const { dir } of after) rmSync(join(dir, 'dist'), { recursive: true, force: true });
  const published = {};
  for (const { dir, manifest } of after.filter((entry) => !entry.manifest.private)) {
    const file = run('pnpm', ['pack', '--pack-destination', tarballs], dir).trim().split('\n').pop().trim();
    const tarball = resolve(dir, file);
    const paths = new Set(
      run('tar', ['-tzf', tarball], dir)
        .split('\n')
        .filter(Boolean)
        .map((path) => path.replace(/^package\//, '')),
    );
    const packed = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json'], dir));
    published[manifest.name] = packed;
    const missing = [];
    if (![...paths].some((path) => path.startsWith('dist/') && path.endsWith('.js')))
      missing.push('dist/*.js');
    if (![...paths].some((path) => path.startsWith('dist/') && path.endsWith('.d.ts')))
      missing.push('dist/*.d.ts');
    for (const required of ['README.md', 'package.json']) if (!paths.has(required)) missing.push(required);
    for (const target of exportTargets(packed.exports)) {
      if (!paths.has(target.replace(/^\.\//, ''))) missing.push(target);
    }
    const unreplaced = Object.entries({ ...packed.dependencies, ...packed.peerDependencies }).filter(
      ([, range]) => String(range).startsWith('workspace:'),
    );
    if (unreplaced.length)
      missing.push(`published ranges (${unreplaced.map(([name]) => name).join(', ')} still workspace:)`);
    if (missing.length) fail(`${manifest.name}@${packed.version} tarball lacks ${missing.join(', ')}`);
    else
      console.log(`  ${manifest.name}@${packed.version}: ${paths.size} files; dist, types, README present`);
  }

  // 6. Every internal range as published admits the version the release gives its target.
  for (const [name, packed] of Object.entries(published)) {
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const [dependency, range] of Object.entries(packed[field] ?? {})) {
        if (!(dependency in versionOf) || typeof range !== 'string') continue;
        if (!satisfies(versionOf[dependency], range)) {
          fail(`${name} ${field} ${dependency}: "${range}" excludes the released ${versionOf[dependency]}`);
        } else if (field === 'peerDependencies') {
          console.log(`  ${name} peer ${dependency}: ${range}`);
        }
      }
    }
  }
} finally {
  if (keep) console.log(`release: scratch copy kept at ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}

if (failures) {
  console.error(`release dry run: ${failures} problem(s)`);
  process.exit(1);
}
console.log('release dry run: versioned, built and packed every package');

/** Every `.d.ts`/`.js` file an `exports` map names (conditions and subpaths, flattened). */
function exportTargets(exports) {
  if (typeof exports === 'string') return exports.endsWith('.json') ? [] : [exports];
  if (!exports || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}

/** Whether `version` satisfies a caret, tilde, exact or `||`-joined range (the forms this repository uses). */
function satisfies(version, range) {
  const parse = (text) => text.split('-')[0].split('.').map(Number);
  const [major, minor, patch] = parse(version);
  return range.split('||').some((part) => {
    const text = part.trim();
    if (text === '*' || text === '') return true;
    const operator = text.match(/^[\^~]/)?.[0] ?? '';
    const [a, b = 0, c = 0] = parse(text.slice(operator.length));
    const atLeast = major > a || (major === a && (minor > b || (minor === b && patch >= c)));
    if (!atLeast) return false;
    if (operator === '') return major === a && minor === b && patch === c;
    if (operator === '~') return major === a && minor === b;
    // Caret: the left-most non-zero part is fixed.
    if (a > 0) return major === a;
    if (b > 0) return major === 0 && minor === b;
    return major === 0 && minor === 0 && patch === c;
  });
}
