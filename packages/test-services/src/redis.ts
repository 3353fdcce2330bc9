// A throwaway redis-server for tests: a free port of 127.0.0.1, no data on disk unless asked,
// stopped afterwards. `scripts/ensure-redis.sh` (run by `pnpm check`) installs the binary.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** Options of `startRedis`. */
export interface RedisServerOptions {
  /**
   * Keep the data across `restart()`: an append-only file (fsynced on every write) in a temporary
   * directory removed by `stop()`. Default: false, nothing is written to disk
   * (`--save '' --appendonly no`).
   */
  persistent?: boolean;
  /** More redis-server arguments, e.g. `['--maxmemory', '64mb']`. */
  args?: readonly string[];
  /** How long to wait for the first PING to be answered, in milliseconds. Default: 20 000. */
  startTimeoutMs?: number;
}

/** A running throwaway Redis server. */
export interface RedisServer {
  readonly host: '127.0.0.1';
  /** The port it listens on; it stays the same across `restart()` and `kill()` + `start()`. */
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The data directory (the append-only file is under it when `persistent`). */
  readonly dir: string;
  /** Whether the server process is running. */
  readonly running: boolean;
  /**
   * Ends the server process but keeps its port and data directory, e.g. to test what a client
   * does while Redis is away. SIGTERM lets Redis flush and exit; SIGKILL is a crash.
   */
  kill(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Starts the server again (after `kill`) on the same port and data directory; resolves once it answers PING. */
  start(): Promise<void>;
  /** `kill(signal)` then `start()`: with `persistent`, the data is still there. */
  restart(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
  /** Stops the server for good and removes its data directory. Safe to call twice. */
  stop(): Promise<void>;
}

const INSTALL_HINT =
  "install it with 'apt-get install -y redis-server' (Debian/Ubuntu), or run scripts/ensure-redis.sh";

/** The path of `redis-server`, or a clear error saying how to install it. */
export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const binary = found.stdout.trim();
  if (found.status !== 0 || !binary) throw new Error(`redis-server was not found on PATH: ${INSTALL_HINT}`);
  return binary;
}

/**
 * Starts `redis-server --port <free> --bind 127.0.0.1 --save '' --appendonly no` (or with an
 * append-only file when `persistent`) and resolves once it answers PING.
 *
 * ```ts
 * const redis = await startRedis();
 * afterAll(() => redis.stop());
 * new Queue('jobs', { connection: { host: redis.host, port: redis.port } });
 * ```
 */
export async function startRedis(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = redisServerBinary();
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'constelite-redis-'));
  const persistence = options.persistent
    ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', '']
    : ['--save', '', '--appendonly', 'no'];
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    ...persistence,
    '--dir',
    dir,
    '--daemonize',
    'no',
    '--logfile',
    '',
    ...(options.args ?? []),
  ];
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  let child: ChildProcess | null = null;
  let stopped = false;
  // A test process that dies without calling stop() must not leave a server behind.
  const onExit = () => {
    child?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  const launch = async (): Promise<void> => {
    const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = started;
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-4000);
    };
    started.stdout?.on('data', keep);
    started.stderr?.on('data', keep);
    const exited = new Promise<never>((_resolve, reject) => {
      started.once('error', (error) => reject(new Error(`redis-server failed to start: ${error.message}`)));
      started.once('exit', (code, signal) =>
        reject(
          new Error(
            `redis-server on 127.0.0.1:${port} exited (${signal ?? code}) before answering PING:\n${output}`,
          ),
        ),
      );
    });
    exited.catch(() => undefined);
    await Promise.race([waitForPing(port, timeoutMs, () => output), exited]);
  };

  const kill = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    const current = child;
    child = null;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => current.once('exit', () => resolve()));
    current.kill(signal);
    await gone;
  };

  await launch();
  const server: RedisServer = {
    host: '127.0.0.1',
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    get running() {
      return child !== null && child.exitCode === null && child.signalCode === null;
    },
    kill,
    async start() {
      if (stopped) throw new Error(`the Redis server on 127.0.0.1:${port} was stopped for good`);
      if (server.running) return;
      await launch();
    },
    async restart(signal = 'SIGTERM') {
      await kill(signal);
      await server.start();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await kill('SIGTERM');
      } finally {
        process.off('exit', onExit);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return server;
}

/** Sends `PING` until `+PONG` comes back (Redis answers an inline command without a client library). */
async function waitForPing(port: number, timeoutMs: number, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ping(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`redis-server on 127.0.0.1:${port} did not answer PING within ${timeoutMs} ms:\n${log()}`);
}

/** Whether the server on `port` answers PING with PONG (false while it is starting or loading data). */
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) done(answer.startsWith('+PONG'));
    });
  });
}

/**
 * Sends one command to the server on `port` and resolves with its raw RESP answer (e.g.
 * `+OK\r\n`, `$5\r\nvalue\r\n`); for test set-up and checks without a client library.
 */
export function redisCommand(port: number, args: readonly string[], timeoutMs = 5000): Promise<string> {
  const request = `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = Buffer.alloc(0);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`redis on 127.0.0.1:${port} did not answer ${args[0]} within ${timeoutMs} ms`));
    });
    socket.once('error', (error) => reject(new Error(`redis on 127.0.0.1:${port}: ${error.message}`)));
    socket.once('connect', () => socket.write(request));
    socket.on('data', (chunk: Buffer) => {
      answer = Buffer.concat([answer, chunk]);
      if (valueEnd(answer, 0) !== null) {
        socket.destroy();
        resolve(answer.toString('utf8'));
      }
    });
  });
}

/** Where the RESP value starting at `offset` ends, or null while it is incomplete. */
function valueEnd(answer: Buffer, offset: number): number | null {
  const lineEnd = answer.indexOf('\r\n', offset);
  if (lineEnd < 0) return null;
  const head = Number(answer.subarray(offset + 1, lineEnd).toString('latin1'));
  const type = String.fromCharCode(answer[offset] ?? 0);
  if (type === '$') {
    if (head < 0) return lineEnd + 2;
    const end = lineEnd + 2 + head + 2;
    return answer.length >= end ? end : null;
  }
  if (type === '*') {
    let end: number | null = lineEnd + 2;
    for (let i = 0; i < head && end !== null; i++) end = valueEnd(answer, end);
    return end;
  }
  return lineEnd + 2;
}
