import { isConsteliteError, ref } from '@constelite/core';
import { QueueEvents } from 'bullmq';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { Tally } from './fixtures/app.js';
import { application, failure, STORE_UID, settle, until } from './helpers.js';

const redisUrl = inject('redisUrl');
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let app: ReturnType<typeof application>;
afterEach(async () => {
  await app?.close();
});

describe('jobs on BullMQ', () => {
  it('an API instance only enqueues; a worker runs the job; another API instance fetches it', async () => {
    app = application(redisUrl);
    const alpha = app.api('Alpha').api;
    const beta = app.api('Beta').api;
    const job = await alpha.startJob('add', { a: 2, b: 3 });
    expect(job).toEqual({
      model_name: 'Job',
      uid: job.uid,
      status: 'submitted',
      result: null,
      error: null,
      state: 'queued',
      progress: null,
      error_code: null,
      error_cause_code: null,
    });
    expect(job.uid).toMatch(UUID_V4);
    // Nothing runs it until a worker starts.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await beta.fetchJob(job.uid)).toMatchObject({ status: 'submitted', state: 'queued' });
    await app.worker();
    expect(await settle(beta, job)).toMatchObject({ status: 'success', state: 'success', result: 5 });
    expect(await alpha.fetchJob(job.uid)).toMatchObject({ status: 'success', result: 5 });
  });

  it('a result that is a stored record comes back as its Ref JSON', async () => {
    app = application(redisUrl);
    const { api } = app.api();
    await app.worker();
    const done = await settle(api, await api.startJob('tally', { n: 1, store: STORE_UID }));
    expect(done.result).toMatchObject({
      model_name: 'Ref',
      state_model_name: 'JobsTestTally',
      record: { store: { uid: STORE_UID } },
    });
  });

  it('a failed job keeps its code and cause code, and the worker logs it at error level with protocol and job uid', async () => {
    app = application(redisUrl);
    const { api } = app.api();
    await app.worker();
    const done = await settle(api, await api.startJob('lost_record', {}));
    expect(done).toMatchObject({
      status: 'failed',
      state: 'failed',
      result: null,
      error_code: 'PROTOCOL_FAILED',
      error_cause_code: 'RECORD_NOT_FOUND',
    });
    expect(done.error).toContain("Protocol 'lost_record' failed: no JobsTestTally record with uid 42");
    expect(app.lines).toContainEqual({
      level: 'error',
      fields: expect.objectContaining({ code: 'PROTOCOL_FAILED', protocol: 'lost_record', job: done.uid }),
    });
  });

  it('every log line of a protocol run carries the protocol path and the job uid', async () => {
    app = application(redisUrl);
    const { api } = app.api();
    await app.worker();
    const done = await settle(api, await api.startJob('sleepy', { ms: 10 }));
    const lines = app.lines.filter(
      (line) => line.fields.msg === 'going to sleep' || line.fields.msg === 'woke up',
    );
    expect(lines).toHaveLength(2);
    for (const line of lines) expect(line.fields).toMatchObject({ protocol: 'sleepy', job: done.uid });
  });

  it('progress is visible on fetch while the job runs, and the last report is kept', async () => {
    app = application(redisUrl);
    const { api } = app.api();
    await app.worker();
    const job = await api.startJob('steps', { steps: 5, stepMs: 150 });
    await until(async () => ((await api.fetchJob(job.uid)).progress?.fraction ?? 0) > 0);
    const running = await api.fetchJob(job.uid);
    expect(running).toMatchObject({ status: 'submitted', state: 'running' });
    expect(running.progress?.message).toMatch(/^step \d of 5$/);
    expect(await settle(api, job)).toMatchObject({
      state: 'success',
      result: 5,
      progress: { fraction: 1, message: 'step 5 of 5' },
    });
  });

  it('a chatty protocol is throttled: 5000 reports in about a second make a handful of Redis writes', async () => {
    app = application(redisUrl, { progressIntervalMs: 200 });
    const { api } = app.api();
    await app.worker();
    const events = new QueueEvents(app.name, { connection: { url: redisUrl }, prefix: 'constelite' });
    await events.waitUntilReady();
    let writes = 0;
    events.on('progress', () => {
      writes++;
    });
    try {
      const started = Date.now();
      const done = await settle(api, await api.startJob('chatty', { reports: 5000, ms: 1000 }));
      const took = Date.now() - started;
      expect(done).toMatchObject({ state: 'success', progress: { fraction: 1, message: 'report 5000' } });
      await new Promise((resolve) => setTimeout(resolve, 200));
      // One write per 200 ms interval at most, plus the first and the final one.
      expect(writes).toBeGreaterThan(0);
      expect(writes).toBeLessThanOrEqual(Math.ceil(took / 200) + 2);
    } finally {
      await events.close();
    }
  });

  it('cancelling a running job aborts its signal: it reads failed/JOB_CANCELLED at once, on every API instance', async () => {
    app = application(redisUrl);
    const alpha = app.api('Alpha').api;
    const beta = app.api('Beta').api;
    await app.worker();
    const job = await alpha.startJob('steps', { steps: 100, stepMs: 100 });
    await until(async () => (await alpha.fetchJob(job.uid)).state === 'running');
    const cancelled = await beta.cancelJob(job.uid);
    expect(cancelled).toMatchObject({
      status: 'failed',
      state: 'cancelled',
      error_code: 'JOB_CANCELLED',
      result: null,
    });
    expect(cancelled.error).toContain('was cancelled');
    expect(await alpha.fetchJob(job.uid)).toMatchObject({ state: 'cancelled', error_code: 'JOB_CANCELLED' });
    // The worker stops it and records it as cancelled (BullMQ's own state: failed); it reports no more progress.
    await new Promise((resolve) => setTimeout(resolve, 500));
    const after = await alpha.fetchJob(job.uid);
    expect(after).toMatchObject({ status: 'failed', state: 'cancelled', error_code: 'JOB_CANCELLED' });
    expect(after.progress?.fraction ?? 0).toBeLessThan(0.2);
    expect(app.lines).toContainEqual({
      level: 'warn',
      fields: expect.objectContaining({ code: 'JOB_CANCELLED', protocol: 'steps', job: job.uid }),
    });
  });

  it('a cancelled queued job never runs, even when a worker starts later; cancelling a finished job changes nothing', async () => {
    app = application(redisUrl);
    const { api } = app.api();
    const job = await api.startJob('tally', { n: 7, store: STORE_UID });
    expect((await api.cancelJob(job.uid)).state).toBe('cancelled');
    await app.worker();
    const done = await api.startJob('add', { a: 1, b: 1 });
    expect((await settle(api, done)).result).toBe(2);
    expect(await api.fetchJob(job.uid)).toMatchObject({ state: 'cancelled', error_code: 'JOB_CANCELLED' });
    expect(await app.store.query({ model: Tally, where: { n: 7 } })).toHaveLength(0);
    expect(await api.cancelJob(done.uid)).toMatchObject({ state: 'success', result: 2 });
    expect(
      isConsteliteError(await failure(api.cancelJob('00000000-0000-4000-8000-000000000000')), 'UNKNOWN_JOB'),
    ).toBe(true);
  });

  it('the same idempotency key answers the same job on every API instance, and the protocol runs once', async () => {
    app = application(redisUrl);
    const alpha = app.api('Alpha').api;
    const beta = app.api('Beta').api;
    const args = { n: 11, store: STORE_UID, delayMs: 50 };
    const [first, second] = await Promise.all([
      alpha.startJob('tally', args, null, { idempotencyKey: 'tally-11' }),
      beta.startJob('tally', args, null, { idempotencyKey: 'tally-11' }),
    ]);
    expect(second.uid).toBe(first.uid);
    await app.worker();
    await settle(alpha, first);
    expect((await beta.startJob('tally', args, null, { idempotencyKey: 'tally-11' })).uid).toBe(first.uid);
    const other = await beta.startJob('tally', args, null, { idempotencyKey: 'tally-11b' });
    expect(other.uid).not.toBe(first.uid);
    await settle(beta, other);
    // Both jobs of the two keys ran, but the idempotent protocol recorded the tally once.
    expect(await app.store.query({ model: Tally, where: { n: 11 } })).toHaveLength(1);
  });

  it('finished jobs are removed from Redis by count and by age', async () => {
    app = application(redisUrl, { maxFinished: 2, ttlMs: 1000 });
    const { api } = app.api();
    await app.worker(1);
    const done = [];
    for (let i = 0; i < 4; i++) done.push(await settle(api, await api.startJob('add', { a: i, b: 0 })));
    expect(isConsteliteError(await failure(api.fetchJob(done[0]?.uid ?? '')), 'UNKNOWN_JOB')).toBe(true);
    expect((await api.fetchJob(done[3]?.uid ?? '')).result).toBe(3);
    // Age: BullMQ removes jobs older than ttlMs when later jobs finish.
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await settle(api, await api.startJob('add', { a: 9, b: 0 }));
    expect(isConsteliteError(await failure(api.fetchJob(done[3]?.uid ?? '')), 'UNKNOWN_JOB')).toBe(true);
  });

  it('beyond maxQueued waiting jobs a submission is JOBS_FULL (503) naming the queue', async () => {
    app = application(redisUrl, { maxQueued: 3 });
    const { api } = app.api();
    for (let i = 0; i < 3; i++) await api.startJob('add', { a: i, b: 0 });
    const refused = await failure(api.startJob('add', { a: 9, b: 9 }));
    expect(isConsteliteError(refused, 'JOBS_FULL')).toBe(true);
    expect((refused as { status: number }).status).toBe(503);
    expect((refused as Error).message).toContain(app.name);
    await app.worker();
    await until(async () => {
      try {
        await api.startJob('add', { a: 9, b: 9 });
        return true;
      } catch {
        return false;
      }
    });
  });

  it('arguments and results are bounded in size (PAYLOAD_TOO_LARGE)', async () => {
    app = application(redisUrl, { maxArgsBytes: 200, maxResultBytes: 1000 });
    const { api } = app.api();
    await app.worker();
    const refused = await failure(api.startJob('echo', { text: 'x'.repeat(300) }));
    expect(isConsteliteError(refused, 'PAYLOAD_TOO_LARGE')).toBe(true);
    const small = await settle(api, await api.startJob('big', { bytes: 100 }));
    expect(small.result).toBe('x'.repeat(100));
    const big = await settle(api, await api.startJob('big', { bytes: 5000 }));
    expect(big).toMatchObject({ state: 'failed', error_code: 'PAYLOAD_TOO_LARGE', result: null });
    expect(big.error).toContain('at most 1000 bytes');
  });

  it('a job read while it finishes never answers success without its result', async () => {
    app = application(redisUrl);
    const { api } = app.api();
    const jobs = await Promise.all(Array.from({ length: 40 }, (_, a) => api.startJob('add', { a, b: 1 })));
    // Readers poll without pause, so that some read lands while the worker finishes the job.
    const reads = jobs.map(async (job, a) => {
      for (;;) {
        const current = await api.fetchJob(job.uid);
        if (current.status === 'submitted') continue;
        expect(current).toMatchObject({ status: 'success', result: a + 1 });
        return;
      }
    });
    await app.worker();
    await Promise.all(reads);
  });

  it('a protocol argument that is a ref travels as its JSON and is validated again by the worker', async () => {
    app = application(redisUrl);
    const { api } = app.api();
    await app.worker();
    const saved = await app.store.put(ref(Tally({ n: 99 })));
    const done = await settle(api, await api.startJob('read_tally', { tally: saved.toJSON() }));
    expect(done).toMatchObject({ state: 'success', result: 99 });
    const wrong = await failure(api.startJob('read_tally', { tally: { model_name: 'Ref' } }));
    expect(isConsteliteError(wrong, 'VALIDATION_FAILED')).toBe(true);
  });
});
