import { randomUUID } from 'node:crypto';
import { ConsteliteClient } from '@constelite/client';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { type RoleProcess, startRole } from './processes.js';

const redisUrl = inject('redisUrl');
const running: RoleProcess[] = [];
afterEach(async () => {
  for (const process of running.splice(0)) await process.stop('SIGKILL');
});

describe('a job whose worker dies under it', () => {
  it('runs again; after `attempts` starts it fails with JOB_STALLED, logged at error level', async () => {
    const env = {
      REDIS_URL: redisUrl,
      QUEUE_NAME: `stalled-${randomUUID()}`,
      LOCK_MS: '1000',
      STALLED_MS: '500',
      ATTEMPTS: '2',
      CONCURRENCY: '1',
    };
    const api = await startRole('api', env);
    running.push(api);
    const client = new ConsteliteClient({ url: api.url, token: null });
    const job = await client.startJob('steps', { steps: 100, stepMs: 100 });
    const runningOn = async () => {
      for (;;) {
        const current = await client.fetchJob(job);
        if (current.state === 'running') return current;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    // First start: killed.
    const first = await startRole('worker', env);
    running.push(first);
    await runningOn();
    await first.stop('SIGKILL');
    // Second start (the job was taken for stalled and runs again): killed too.
    const second = await startRole('worker', env);
    running.push(second);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await runningOn();
    await second.stop('SIGKILL');
    // A third worker finds it stalled once more than allowed: failed.
    const third = await startRole('worker', env);
    running.push(third);
    const done = await client.waitForJob(job, { timeoutMs: 20_000, intervalMs: 100 });
    expect(done).toMatchObject({
      status: 'failed',
      state: 'failed',
      error_code: 'JOB_STALLED',
      result: null,
    });
    expect(done.error).toContain("protocol 'steps' did not finish in 2 starts");
    await expect(client.waitForJob(job, { throwOnFailure: true })).rejects.toMatchObject({
      code: 'JOB_STALLED',
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(third.logs).toContainEqual(
      expect.objectContaining({ level: 'error', code: 'JOB_STALLED', protocol: 'steps', job: job.uid }),
    );
  });
});
