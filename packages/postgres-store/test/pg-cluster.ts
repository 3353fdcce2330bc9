// Starts and stops a throwaway PostgreSQL cluster for the tests and the benchmark (not published).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running throwaway cluster. */
export interface PgCluster {
  /** A connection URL for the `postgres` superuser over TCP on 127.0.0.1. */
  url: string;
  /** The port the server listens on. */
  port: number;
  /** Stops the server and removes its data directory. */
  stop(): Promise<void>;
}

export interface PgClusterOptions {
  /** Disable fsync for speed (tests); the benchmark keeps it on. Default: true. */
  fast?: boolean;
}

const INSTALL_HINT =
  'PostgreSQL server binaries (initdb, pg_ctl, postgres) are needed to run these tests: install them with `apt-get install -y postgresql` (Debian/Ubuntu) and make sure `initdb` and `pg_ctl` are on PATH.';

function findBinary(name: string): string {
  const extra = [
    '/usr/local/bin',
    '/usr/lib/postgresql/17/bin',
    '/usr/lib/postgresql/16/bin',
    '/usr/lib/postgresql/15/bin',
  ];
  const path = [...(process.env.PATH ?? '').split(':'), ...extra].filter(Boolean).join(':');
  const found = spawnSync('sh', ['-c', `command -v ${name}`], {
    env: { ...process.env, PATH: path },
    encoding: 'utf8',
  });
  const binary = found.stdout.trim();
  if (found.status !== 0 || !binary) throw new Error(`'${name}' was not found. ${INSTALL_HINT}`);
  return binary;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no free port'));
      });
    });
  });
}

/** The PostgreSQL binaries refuse to run as root, so as root they run as the `postgres` user. */
function runAs(): { user: string; uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { user: 'postgres', uid, gid };
}

function run(binary: string, args: string[], user: ReturnType<typeof runAs>): void {
  const [command, argv] = user ? ['runuser', ['-u', user.user, '--', binary, ...args]] : [binary, args];
  const result = spawnSync(command, argv, { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(
      `${binary} ${args.join(' ')} failed (${result.status}): ${result.stderr || result.stdout}`,
    );
  }
}

/** Runs `initdb` and `pg_ctl start` on a free port of 127.0.0.1 with trust authentication. */
export async function startPgCluster(options: PgClusterOptions = {}): Promise<PgCluster> {
  const initdb = findBinary('initdb');
  const pgCtl = findBinary('pg_ctl');
  const user = runAs();
  const root = mkdtempSync(join(tmpdir(), 'constelite-pg-'));
  if (user) chownSync(root, user.uid, user.gid);
  chmodSync(root, 0o700);
  const data = join(root, 'data');
  const port = await freePort();
  run(
    initdb,
    ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions'],
    user,
  );
  const settings = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${root}`,
    '-c max_connections=200',
    ...(options.fast === false
      ? []
      : ['-c fsync=off', '-c synchronous_commit=off', '-c full_page_writes=off']),
  ].join(' ');
  run(pgCtl, ['-D', data, '-o', settings, '-l', join(root, 'server.log'), '-w', '-t', '60', 'start'], user);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        run(pgCtl, ['-D', data, '-m', 'immediate', '-w', 'stop'], user);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
