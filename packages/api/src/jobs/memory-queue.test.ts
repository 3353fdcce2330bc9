import { isConsteliteError, RecordNotFoundError } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ConsteliteAPI,
  consoleLogger,
  type Job,
  type LogLevel,
  type MemoryJobQueueOptions,
  protocol,
} from '../index.js';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A gate a test opens when it wants a protocol to go on. */
function gate(): { wait: Promise<void>; open(): void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

function makeAPI(jobs: MemoryJobQueueOptions = {}) {
  const lines: { fields: Record<string, unknown>; level: LogLevel }[] = [];
  const captured = consoleLogger({
    level: 'debug',
    write: (line, level) => lines.push({ fields: JSON.parse(line) as Record<string, unknown>, level }),
  });
  const gates = new Map<string, ReturnType<typeof gate>>();
  const gateFor = (name: string) => {
    let found = gates.get(name);
    if (!found) {
      found = gate();
      gates.set(name, found);
    }
    return found;
  };
  const seen: { signal: AbortSignal; attempt: number | undefined }[] = [];
  const api = new ConsteliteAPI({
    name: 'Alpha',
    stores: [new MemoryStore({ name: 'Memory store' })],
    loggers: { default: captured },
    jobs,
  });
  api.discoverProtocols({
    add: protocol(
      { name: 'Add', args: { a: z.number(), b: z.number() }, returns: z.number() },
      ({ args }) => args.a + args.b,
    ),
    // Waits for its gate; ignores its signal (a protocol that does not cooperate).
    wait_for: protocol(
      { name: 'Wait for', args: { gate: z.string() }, returns: z.string() },
      async ({ args, signal, job, logger, progress }) => {
        seen.push({ signal, attempt: job?.attempt });
        logger.info('waiting');
        progress(0.25, 'a quarter');
        await gateFor(args.gate).wait;
        return args.gate;
      },
    ),
    lost_record: protocol({ name: 'Lost record', args: {} }, () => {
      throw new RecordNotFoundError('no Cat record with uid 42');
    }),
    big_result: protocol(
      { name: 'Big result', args: { bytes: z.number() }, returns: z.string() },
      ({ args }) => 'x'.repeat(args.bytes),
    ),
  });
  return { api, lines, open: (name: string) => gateFor(name).open(), seen };
}

async function settle(api: ConsteliteAPI, job: Job): Promise<Job> {
  for (let i = 0; i < 200; i++) {
    const current = await api.fetchJob(job.uid);
    if (current.status !== 'submitted') return current;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`job ${job.uid} never finished`);
}

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('condition never held');
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('the in-memory job queue', () => {
  it('a job is queued, then running with its progress, then success; the wire form keeps the Python members', async () => {
    const { api, open } = makeAPI();
    const job = await api.startJob('wait_for', { gate: 'g' });
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
    await until(async () => (await api.fetchJob(job.uid)).state === 'running');
    expect(await api.fetchJob(job.uid)).toMatchObject({
      status: 'submitted',
      progress: { fraction: 0.25, message: 'a quarter' },
    });
    open('g');
    expect(await settle(api, job)).toMatchObject({
      status: 'success',
      state: 'success',
      result: 'g',
      error: null,
    });
  });

  it('a failed job keeps its code and the code of what the protocol threw, and is logged at error level with protocol and job uid', async () => {
    const { api, lines } = makeAPI();
    const done = await settle(api, await api.startJob('lost_record', {}));
    expect(done).toMatchObject({
      status: 'failed',
      state: 'failed',
      error_code: 'PROTOCOL_FAILED',
      error_cause_code: 'RECORD_NOT_FOUND',
    });
    expect(done.error).toContain('no Cat record with uid 42');
    expect(lines).toContainEqual({
      level: 'error',
      fields: expect.objectContaining({
        code: 'PROTOCOL_FAILED',
        protocol: 'lost_record',
        job: done.uid,
      }),
    });
  });

  it('every log line of a job carries the protocol path and the job uid', async () => {
    const { api, lines, open } = makeAPI();
    const job = await api.startJob('wait_for', { gate: 'logs' });
    open('logs');
    await settle(api, job);
    expect(lines.find((line) => line.fields.msg === 'waiting')?.fields).toMatchObject({
      protocol: 'wait_for',
      job: job.uid,
    });
  });

  it('cancelling a running job aborts its signal and reads failed/JOB_CANCELLED at once, even if the protocol ignores it', async () => {
    const { api, open, seen } = makeAPI();
    const job = await api.startJob('wait_for', { gate: 'never' });
    await until(() => seen.length === 1);
    const cancelled = await api.cancelJob(job.uid);
    expect(cancelled).toMatchObject({
      status: 'failed',
      state: 'cancelled',
      error_code: 'JOB_CANCELLED',
      result: null,
    });
    expect(seen[0]?.signal.aborted).toBe(true);
    // The protocol finishing late changes nothing.
    open('never');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await api.fetchJob(job.uid)).toMatchObject({ state: 'cancelled', error_code: 'JOB_CANCELLED' });
    // Cancelling a finished job answers it unchanged.
    expect(await api.cancelJob(job.uid)).toMatchObject({ state: 'cancelled' });
  });

  it('a cancelled queued job never runs; a finished job is not cancelled', async () => {
    const { api, open, seen } = makeAPI({ concurrency: 1 });
    const first = await api.startJob('wait_for', { gate: 'first' });
    const second = await api.startJob('wait_for', { gate: 'second' });
    await until(() => seen.length === 1);
    expect((await api.fetchJob(second.uid)).state).toBe('queued');
    expect((await api.cancelJob(second.uid)).error_code).toBe('JOB_CANCELLED');
    open('first');
    open('second');
    expect((await settle(api, first)).state).toBe('success');
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(seen).toHaveLength(1);
    expect(await api.cancelJob(first.uid)).toMatchObject({ state: 'success', result: 'first' });
  });

  it('the same idempotency key answers the same job; another key or none starts another', async () => {
    const { api } = makeAPI();
    const first = await api.startJob('add', { a: 1, b: 2 }, null, { idempotencyKey: 'order-1' });
    const again = await api.startJob('add', { a: 1, b: 2 }, null, { idempotencyKey: 'order-1' });
    expect(first.uid).toMatch(UUID_V4);
    expect(again.uid).toBe(first.uid);
    expect((await settle(api, first)).result).toBe(3);
    expect(await api.startJob('add', { a: 1, b: 2 }, null, { idempotencyKey: 'order-1' })).toMatchObject({
      uid: first.uid,
      state: 'success',
      result: 3,
    });
    const other = await api.startJob('add', { a: 1, b: 2 }, null, { idempotencyKey: 'order-2' });
    const none = await api.startJob('add', { a: 1, b: 2 });
    expect(new Set([first.uid, other.uid, none.uid]).size).toBe(3);
  });

  it('beyond concurrency + maxQueued a submission is JOBS_FULL (503); it is admitted again once jobs finish', async () => {
    const { api, open } = makeAPI({ concurrency: 1, maxQueued: 2 });
    const held = [
      await api.startJob('wait_for', { gate: 'full' }),
      await api.startJob('wait_for', { gate: 'full' }),
      await api.startJob('wait_for', { gate: 'full' }),
    ];
    const refused = await failure(api.startJob('add', { a: 1, b: 1 }));
    expect(isConsteliteError(refused, 'JOBS_FULL')).toBe(true);
    expect((refused as { status: number }).status).toBe(503);
    expect((refused as Error).message).toContain("protocol 'add'");
    open('full');
    for (const job of held) expect((await settle(api, job)).state).toBe('success');
    expect((await settle(api, await api.startJob('add', { a: 1, b: 1 }))).result).toBe(2);
  });

  it('runs at most `concurrency` jobs at once, the others wait in order', async () => {
    const { api, open, seen } = makeAPI({ concurrency: 2 });
    const jobs = [];
    for (const name of ['a', 'b', 'c']) jobs.push(await api.startJob('wait_for', { gate: name }));
    await until(() => seen.length === 2);
    expect((await api.fetchJob(jobs[2]?.uid ?? '')).state).toBe('queued');
    open('a');
    await until(() => seen.length === 3);
    open('b');
    open('c');
    for (const job of jobs) expect((await settle(api, job)).state).toBe('success');
  });

  it('arguments larger than maxArgsBytes are refused (PAYLOAD_TOO_LARGE); a result larger than maxResultBytes fails the job', async () => {
    const { api } = makeAPI({ maxArgsBytes: 100, maxResultBytes: 1000 });
    const refused = await failure(api.startJob('big_result', { bytes: 1, padding: 'p'.repeat(200) }));
    expect(isConsteliteError(refused, 'PAYLOAD_TOO_LARGE')).toBe(true);
    expect((refused as Error).message).toContain("protocol 'big_result'");
    const small = await settle(api, await api.startJob('big_result', { bytes: 10 }));
    expect(small.result).toBe('x'.repeat(10));
    const big = await settle(api, await api.startJob('big_result', { bytes: 2000 }));
    expect(big).toMatchObject({ state: 'failed', error_code: 'PAYLOAD_TOO_LARGE', result: null });
    expect(big.error).toContain('at most 1000 bytes');
  });

  it('finished jobs are dropped by count and by age; running ones never', async () => {
    const { api, open } = makeAPI({ maxFinished: 2, ttlMs: 60_000 });
    const running = await api.startJob('wait_for', { gate: 'keep' });
    const finished = [];
    for (let i = 0; i < 4; i++) finished.push(await settle(api, await api.startJob('add', { a: i, b: 0 })));
    expect(isConsteliteError(await failure(api.fetchJob(finished[0]?.uid ?? '')), 'UNKNOWN_JOB')).toBe(true);
    expect((await api.fetchJob(finished[3]?.uid ?? '')).result).toBe(3);
    expect((await api.fetchJob(running.uid)).state).toBe('running');
    open('keep');
    await settle(api, running);

    const { api: aging } = makeAPI({ ttlMs: 50 });
    const old = await settle(aging, await aging.startJob('add', { a: 1, b: 1 }));
    expect((await aging.fetchJob(old.uid)).result).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(isConsteliteError(await failure(aging.fetchJob(old.uid)), 'UNKNOWN_JOB')).toBe(true);
  });

  it('a queue object serves one API only', () => {
    const { api } = makeAPI();
    expect(() => new ConsteliteAPI({ name: 'Beta', stores: [], jobs: api.jobQueue })).toThrow(/API Alpha/);
  });
});
