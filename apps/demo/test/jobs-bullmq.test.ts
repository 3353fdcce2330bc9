// `CONSTELITE_JOBS_URL=redis://HOST:PORT pnpm demo:api` and `pnpm demo:worker`: the API only
// enqueues, the worker runs the demo's protocols; both share the SQLite store file.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ConsteliteClient } from '@constelite/client';
import { ref } from '@constelite/core';
import { freePort } from '@constelite/test-services';
import { type RedisServer, startRedis } from '@constelite/test-services/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cat } from '../src/models.js';
import type * as protocols from '../src/protocols.js';
import { MEMORY_STORE_UID } from '../src/store.js';

const demo = join(dirname(fileURLToPath(import.meta.url)), '..');
let redis: RedisServer;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'constelite-demo-jobs-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `script` (src/api.ts or src/worker.ts) with `env`; resolves with its output once `ready` matches a line. */
function start(script: string, env: Record<string, string>, ready: RegExp) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=@constelite/source', script], {
    cwd: demo,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const lines: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = new Promise<string>((resolve, reject) => {
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream }).on('line', (line) => {
        lines.push(line);
        if (ready.test(line)) resolve(line);
      });
    }
    void exited.then((code) => reject(new Error(`${script} exited (${code}): ${lines.join('\n')}`)));
  });
  // A process that is expected to fail is awaited through `exited`.
  started.catch(() => {});
  return { child, lines, exited, started };
}

describe('the demo on BullMQ', () => {
  it('with Redis unreachable, pnpm demo:api stops at start-up naming host:port', async () => {
    const port = await freePort();
    const api = start(
      'src/api.ts',
      { CONSTELITE_JOBS_URL: `redis://127.0.0.1:${port}`, PORT: '0' },
      /serving/,
    );
    expect(await api.exited).not.toBe(0);
    expect(api.lines.join('\n')).toMatch(new RegExp(`JOBS_UNAVAILABLE|Redis at 127\\.0\\.0\\.1:${port}`));
    expect(api.lines.join('\n')).toContain(`127.0.0.1:${port}`);
  });

  it('the API enqueues, the worker runs the demo protocols on the shared store', async () => {
    const port = await freePort();
    const env = {
      CONSTELITE_JOBS_URL: redis.url,
      CONSTELITE_STORE: 'sqlite',
      CONSTELITE_SQLITE_PATH: join(dir, 'demo.db'),
      PORT: String(port),
    };
    // The Redis line follows the serving line: waiting for it means both have been read.
    const api = start('src/api.ts', env, /Jobs go to Redis at/);
    const worker = start('src/worker.ts', env, /Worker of API Alpha runs the jobs/);
    await Promise.all([api.started, worker.started]);
    expect(api.lines.join('\n')).toContain('API Alpha is serving at');
    expect(api.lines.join('\n')).toContain(`Jobs go to Redis at 127.0.0.1:${redis.port}`);

    const client = new ConsteliteClient<typeof protocols>({ url: `http://127.0.0.1:${port}`, token: null });
    const cat = await client.store.put({ ref: ref(Cat({ name: 'Tom' })), store: { uid: MEMORY_STORE_UID } });
    const job = await client.jobs.give_cat_a_carer({ cat: cat.toJSON(), carer_name: 'Alice' });
    expect(job).toMatchObject({ status: 'submitted', state: 'queued' });
    const done = await client.jobs.wait(job, { timeoutMs: 30_000, intervalMs: 100, throwOnFailure: true });
    expect(done.result?.state_model_name).toBe('Human');
    const carerRef = (await client.store.get({ ref: cat })).carer?.[0];
    if (!carerRef) throw new Error('the cat has no carer');
    expect((await client.store.get({ ref: carerRef })).state).toMatchObject({ name: 'Alice' });

    // The protocol ran in the worker: its log line is there, with the protocol path and the job uid.
    const line = worker.lines.find((text) => text.includes('Alice now cares for cat'));
    expect(line && JSON.parse(line)).toMatchObject({ protocol: 'give_cat_a_carer', job: job.uid });
    expect(api.lines.some((text) => text.includes('Alice now cares for cat'))).toBe(false);
  }, 90_000);
});
