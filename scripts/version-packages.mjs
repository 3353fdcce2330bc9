#!/usr/bin/env node
// `changeset version` with one rule of semver for 0.x: a breaking change of a 0.x package is a
// minor bump (`^0.1.0` excludes 0.2.0), not a major one.
//
// Changesets 2 bumps a package **major** when a package it has as a peer dependency leaves the
// declared range (`workspace:^` = `^0.1.0`, and core 0.1.0 -> 0.2.0 leaves it), so every
// minor of @constelite/core would turn every other package into 1.0.0. For a 0.x package this
// script makes such a bump, and only such a bump (no changeset asked for major), a minor one,
// which is what a breaking change is before 1.0. Everything else is changesets' own code (the
// same modules `changeset version` runs: release plan, changelogs, dependency ranges); from
// 1.0 on, the plan is used as changesets makes it. See README "Releasing".
//
// Usage: node scripts/version-packages.mjs [--plan]   (--plan: print the plan, change nothing)
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const cwd = resolve(process.argv.includes('--cwd') ? process.argv[process.argv.indexOf('--cwd') + 1] : '.');
const planOnly = process.argv.includes('--plan');

// The modules `changeset version` uses, resolved from the installed CLI so they are the same copies.
const cliPackage = createRequire(join(cwd, 'package.json')).resolve('@changesets/cli/package.json');
const fromCli = createRequire(cliPackage);
const interop = (module) => module.default ?? module;
const { getPackages } = fromCli('@manypkg/get-packages');
const readChangesets = interop(fromCli('@changesets/read'));
const assembleReleasePlan = interop(fromCli('@changesets/assemble-release-plan'));
const applyReleasePlan = interop(fromCli('@changesets/apply-release-plan'));
const { read: readConfig } = fromCli('@changesets/config');
const semver = fromCli('semver');

if (existsSync(join(cwd, '.changeset', 'pre.json'))) {
  console.error(
    'version-packages: pre-release mode is on (.changeset/pre.json); use `changeset version` for pre-releases',
  );
  process.exit(1);
}

const packages = await getPackages(cwd);
const config = await readConfig(cwd, packages);
const changesets = await readChangesets(cwd);
if (changesets.length === 0) {
  console.log('version-packages: no unreleased changesets');
  process.exit(0);
}

const plan = assembleReleasePlan(changesets, packages, config, undefined, undefined);
const order = ['none', 'patch', 'minor', 'major'];
for (const release of plan.releases) {
  const asked = changesets
    .flatMap((changeset) => changeset.releases)
    .filter((entry) => entry.name === release.name)
    .reduce(
      (highest, entry) => (order.indexOf(entry.type) > order.indexOf(highest) ? entry.type : highest),
      'none',
    );
  if (release.type === 'major' && asked !== 'major' && semver.major(release.oldVersion) === 0) {
    release.type = 'minor';
    release.newVersion = semver.inc(release.oldVersion, 'minor');
    console.log(`  ${release.name}: a dependency left its range; 0.x, so minor (changesets said major)`);
  }
}
for (const release of plan.releases.filter((entry) => entry.type !== 'none')) {
  console.log(`  ${release.name}: ${release.oldVersion} -> ${release.newVersion} (${release.type})`);
}
if (planOnly) process.exit(0);

// The changelog module is resolved from the CLI's own folder, as `changeset version` does.
await applyReleasePlan(plan, packages, config, undefined, join(dirname(cliPackage), 'dist'));
console.log(
  'version-packages: versions, dependency ranges and CHANGELOG.md files updated; review and commit them',
);
