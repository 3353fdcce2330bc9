import type { Job } from '@constelite/api';
import { type RedisServer, startRedis } from '@constelite/test-services/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { application, settle, until } from './helpers.js';

let redis: RedisServer | null = null;
let app: ReturnType<typeof application> | null = null;
afterEach(async () => {
  await app?.close();
  await redis?.stop();
  app = null;
  redis = null;
});

describe('jobs survive restarts', () => {
  it('of the API instance, of Redis (with persistence on) and of the workers', async () => {
    redis = await startRedis({ persistent: true });
    app = application(redis.url);
    // API instance 1 submits while no worker runs, then goes away.
    const first = app.api('First');
    const jobs: Job[] = [];
    for (let i = 0; i < 5; i++) jobs.push(await first.api.startJob('add', { a: i, b: 10 }));
    await first.queue.close();

    // A new API instance finds every job, still queued.
    const second = app.api('Second');
    for (const job of jobs) expect(await second.api.fetchJob(job.uid)).toMatchObject({ state: 'queued' });

    // Redis restarts: the jobs are still there once the instance has reconnected.
    await redis.restart();
    await until(async () => {
      try {
        return (await second.api.fetchJob(jobs[0]?.uid ?? '')).state === 'queued';
      } catch {
        return false;
      }
    });

    // A worker runs a long job; it is closed gracefully (the job finishes first), and a new worker takes the rest.
    const worker = await app.worker(1);
    const long = await second.api.startJob('steps', { steps: 4, stepMs: 100 });
    await until(async () => (await second.api.fetchJob(long.uid)).state !== 'queued');
    await worker.close();
    const afterClose = await second.api.fetchJob(long.uid);
    await app.worker(2);
    expect((await settle(second.api, long)).result).toBe(4);
    // The graceful close let the running job finish (or, had it not started, left it queued).
    expect(['success', 'queued']).toContain(afterClose.state);
    for (const [i, job] of jobs.entries()) expect((await settle(second.api, job)).result).toBe(i + 10);
  });
});
