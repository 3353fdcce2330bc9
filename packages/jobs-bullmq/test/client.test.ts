// The typed client against API instances on one BullMQ queue: idempotent starts, cancel, wait.
import { ConsteliteClient } from '@constelite/client';
import { serveNode } from '@constelite/server/node';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { protocols } from './fixtures/app.js';
import { application, STORE_UID } from './helpers.js';

const redisUrl = inject('redisUrl');
let app: ReturnType<typeof application> | null = null;
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  await app?.close();
  app = null;
});

async function serve(label: string) {
  const { api } = (app as ReturnType<typeof application>).api(label);
  const server = await serveNode(api.app, '127.0.0.1', 0);
  servers.push(server);
  return new ConsteliteClient<typeof protocols>({ url: server.url, token: null });
}

describe('client.jobs on BullMQ', () => {
  it('an idempotency key gives the same job through either API instance', async () => {
    app = application(redisUrl);
    const alpha = await serve('Alpha');
    const beta = await serve('Beta');
    await app.worker();
    const first = await alpha.jobs.tally({ n: 5, store: STORE_UID }, { idempotencyKey: 'order-5' });
    const again = await beta.jobs.tally({ n: 5, store: STORE_UID }, { idempotencyKey: 'order-5' });
    expect(again.uid).toBe(first.uid);
    const done = await beta.jobs.wait(first, { timeoutMs: 20_000, intervalMs: 50 });
    expect(done.status).toBe('success');
    expect(done.result?.uid).toEqual(expect.any(String));
  });

  it('client.jobs.cancel cancels a running job; wait answers it, or throws JOB_CANCELLED with throwOnFailure', async () => {
    app = application(redisUrl);
    const alpha = await serve('Alpha');
    const beta = await serve('Beta');
    await app.worker();
    const job = await alpha.jobs.steps({ steps: 100, stepMs: 100 });
    for (;;) {
      if ((await beta.jobs.fetch({ job })).state === 'running') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const cancelled = await beta.jobs.cancel(job);
    expect(cancelled).toMatchObject({ status: 'failed', state: 'cancelled', error_code: 'JOB_CANCELLED' });
    expect(await alpha.jobs.wait(job)).toMatchObject({ status: 'failed', error_code: 'JOB_CANCELLED' });
    await expect(alpha.jobs.wait(job, { throwOnFailure: true })).rejects.toMatchObject({
      code: 'JOB_CANCELLED',
      name: 'JobCancelledError',
    });
  });

  it('wait with throwOnFailure throws the typed failure of the job, keeping its cause code', async () => {
    app = application(redisUrl);
    const alpha = await serve('Alpha');
    await app.worker();
    const job = await alpha.jobs.lost_record();
    await expect(alpha.jobs.wait(job, { throwOnFailure: true, intervalMs: 50 })).rejects.toMatchObject({
      code: 'PROTOCOL_FAILED',
      status: 500,
      extra: { cause_code: 'RECORD_NOT_FOUND', uid: job.uid },
    });
  });

  it('a full queue answers 503 JOBS_FULL', async () => {
    app = application(redisUrl, { maxQueued: 1 });
    const alpha = await serve('Alpha');
    await alpha.jobs.add({ a: 1, b: 1 });
    await expect(alpha.jobs.add({ a: 1, b: 2 })).rejects.toMatchObject({ code: 'JOBS_FULL', status: 503 });
  });
});
