#!/usr/bin/env node
// Pack-and-install smoke test: proves that a user outside this workspace can install only the
// packages they need from their tarballs, that `exports` and types resolve, and that a project
// holding only the client (and core) talks to a running server without pulling server code.
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const work = mkdtempSync(join(tmpdir(), 'constelite-smoke-'));
const tarballs = join(work, 'tarballs');
mkdirSync(tarballs);
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const attw = join(root, 'node_modules/@arethetypeswrong/cli/dist/index.js');

const run = (command, args, options = {}) => {
  console.log(`$ ${command} ${args.join(' ')}`);
  return execFileSync(command, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...options });
};

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private);

run('pnpm', ['turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
  cwd: root,
  stdio: 'inherit',
});

/** @type {Record<string, string>} package name → tarball path */
const tarballOf = {};
for (const { dir, manifest } of packages) {
  const output = run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
  const file = output.trim().split('\n').pop().trim();
  tarballOf[manifest.name] = resolve(dir, file);
  run('node', [attw, tarballOf[manifest.name], '--profile', 'esm-only', '--format', 'table-flipped'], {
    stdio: 'inherit',
  });
}

/** Creates a scratch project depending on `names` (from their tarballs) and installs it with npm. */
function scratchProject(name, names, extraDependencies = {}) {
  const dir = join(work, name);
  mkdirSync(dir);
  const dependencies = Object.fromEntries(names.map((pkg) => [pkg, `file:${tarballOf[pkg]}`]));
  // Internal dependencies must come from the tarballs too, not from the registry.
  const overrides = Object.fromEntries(Object.entries(tarballOf).map(([pkg, file]) => [pkg, `file:${file}`]));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name,
        private: true,
        type: 'module',
        dependencies: { ...dependencies, ...extraDependencies },
        overrides,
      },
      null,
      2,
    ),
  );
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        outDir: 'out',
        types: ['node'],
        skipLibCheck: false,
      },
      include: ['*.ts'],
    }),
  );
  run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--install-links'], {
    cwd: dir,
    stdio: 'inherit',
  });
  return dir;
}

function compileAndRun(dir, script, env = {}) {
  run('node', [tsc, '-p', dir], { stdio: 'inherit' });
  return run('node', [join(dir, 'out', script.replace(/\.ts$/, '.js'))], {
    cwd: dir,
    env: { ...process.env, ...env },
  });
}

let server;
try {
  // 1. Every published package, used through its public entry points.
  const full = scratchProject('full', Object.keys(tarballOf), { zod: '^4.1.0', '@types/node': '^20.19.0' });
  writeFileSync(join(full, 'data-layer.ts'), readFileSync(join(root, 'scripts/smoke/data-layer.ts'), 'utf8'));
  console.log(compileAndRun(full, 'data-layer.ts'));

  // 2. A client-only project against a running server.
  if (tarballOf['@constelite/client'] && existsSync(join(root, 'apps/demo/src/api.ts'))) {
    const port = 18_000 + Math.floor(Math.random() * 2000);
    server = spawn('pnpm', ['--filter', '@constelite/demo', 'run', 'api'], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
      detached: true,
    });
    const clientOnly = scratchProject('client-only', ['@constelite/client', '@constelite/core'], {
      zod: '^4.1.0',
      '@types/node': '^20.19.0',
    });
    const tree = run('npm', ['ls', '--all', '--parseable'], { cwd: clientOnly });
    const forbidden = [
      'hono',
      '@hono/',
      '@constelite/server',
      '@constelite/api',
      '@constelite/store',
      '@constelite/memory-store',
      'better-sqlite3',
      'postgres',
    ];
    const leaked = tree
      .split('\n')
      .filter((line) => forbidden.some((name) => line.includes(`node_modules/${name}`)));
    if (leaked.length)
      throw new Error(`the client-only install pulled server packages:\n${leaked.join('\n')}`);
    console.log('client-only install holds no server packages');
    // The contract types the client's protocol calls from core alone (no @constelite/api installed).
    for (const file of ['client.ts', 'contract.ts']) {
      writeFileSync(join(clientOnly, file), readFileSync(join(root, 'scripts/smoke', file), 'utf8'));
    }
    await waitForServer(`http://127.0.0.1:${port}`);
    console.log(compileAndRun(clientOnly, 'client.ts', { SMOKE_URL: `http://127.0.0.1:${port}` }));
  }
  console.log('smoke: 1 passed, 0 failed');
} finally {
  if (server?.pid) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {}
  }
  rmSync(work, { recursive: true, force: true });
}

async function waitForServer(url) {
  for (let attempt = 0; attempt < 120; attempt++) {
    try {
      const response = await fetch(`${url}/schema/openapi.json`);
      if (response.ok) return;
    } catch {}
    await new Promise((done) => setTimeout(done, 500));
  }
  throw new Error(`the demo API did not start at ${url}`);
}
