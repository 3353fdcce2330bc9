// Starts the processes of fixtures/process.ts (API instances and workers) for the multi-process
// test and the benchmark.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

/** A started process: its URL (API instances), the log lines it wrote, and how to stop it. */
export interface RoleProcess {
  readonly role: 'api' | 'worker' | 'bare-worker';
  readonly url: string;
  readonly pid: number;
  /** Every JSON log line the process wrote (stdout and stderr), parsed. */
  readonly logs: Record<string, unknown>[];
  /** Sends `signal` and waits until the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts `role` with `env` and waits for its "ready" line. */
export async function startRole(
  role: 'api' | 'worker' | 'bare-worker',
  env: Record<string, string>,
): Promise<RoleProcess> {
  const script = role === 'bare-worker' ? ['fixtures/bare-worker.ts'] : ['fixtures/process.ts', role];
  const [file, ...rest] = script as [string, ...string[]];
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@constelite/source', join(here, file), ...rest],
    { cwd: join(here, '..'), env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // A test or bench that ends early must not leave its processes behind.
  const onExit = () => child.kill('SIGKILL');
  process.once('exit', onExit);
  child.once('exit', () => process.off('exit', onExit));
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const keep = (line: string) => {
    if (!line.startsWith('{')) return;
    try {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a log line.
    }
  };
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) => {
    stderr += `${line}\n`;
    keep(line);
  });
  const stdout = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    stdout.on('line', (line) => {
      if (line.startsWith('ready')) resolve(line.slice('ready'.length).trim());
      else keep(line);
    });
    void exited.then(() => reject(new Error(`${role} exited before it was ready: ${stderr}`)));
  });
  return {
    role,
    url,
    pid: child.pid as number,
    logs,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
