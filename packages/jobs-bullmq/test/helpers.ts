// In-process set-ups for the tests: API instances and workers in this process, jobs in a real Redis.
import { randomUUID } from 'node:crypto';
import { type ConsteliteAPI, consoleLogger, type Job, type LogLevel } from '@constelite/api';
import { MemoryStore } from '@constelite/memory-store';
import { HonoAPI } from '@constelite/server';
import { BullMQJobQueue, type BullMQJobQueueOptions, type RunningWorker, startWorker } from '../src/index.js';
import { models, protocols } from './fixtures/app.js';

export const STORE_UID = '6a1f3c2e-4d5b-4e6f-8a7b-9c0d1e2f3a4b';

export interface LogLine {
  level: LogLevel;
  fields: Record<string, unknown>;
}

/** A logger factory that keeps every line. */
export function capture(): { lines: LogLine[]; factory: ReturnType<typeof consoleLogger> } {
  const lines: LogLine[] = [];
  const factory = consoleLogger({
    level: 'debug',
    write: (line, level) => lines.push({ level, fields: JSON.parse(line) as Record<string, unknown> }),
  });
  return { lines, factory };
}

/** One application on one Redis queue: API instances and workers made on demand, all closed by `close`. */
export function application(redisUrl: string, options: BullMQJobQueueOptions = {}) {
  const name = `test-${randomUUID()}`;
  const store = new MemoryStore({ uid: STORE_UID, name: 'Shared memory store' });
  const { lines, factory } = capture();
  const opened: { close(): Promise<void> }[] = [];
  const queueOptions: BullMQJobQueueOptions = {
    url: redisUrl,
    name,
    lockDurationMs: 2000,
    stalledIntervalMs: 1000,
    progressIntervalMs: 100,
    ...options,
  };
  const build = (label: string): { api: HonoAPI; queue: BullMQJobQueue } => {
    const queue = new BullMQJobQueue(queueOptions);
    opened.push(queue);
    const api = new HonoAPI({ name: label, stores: [store], loggers: { default: factory }, jobs: queue });
    api.discoverModels(models);
    api.discoverProtocols(protocols);
    return { api, queue };
  };
  return {
    name,
    store,
    lines,
    /** A new API instance (its own queue object and connection). */
    api(label = 'Alpha') {
      return build(label);
    },
    /** A new worker with its own API object over the same store. */
    async worker(concurrency = 2): Promise<RunningWorker> {
      const { api, queue } = build('Worker');
      const worker = await startWorker({ api, queue, concurrency });
      opened.push(worker);
      return worker;
    },
    async close() {
      for (const item of opened.reverse()) await item.close().catch(() => {});
    },
  };
}

/** Fetches the job until it is no longer `submitted`. */
export async function settle(api: ConsteliteAPI, job: Job | string, timeoutMs = 20_000): Promise<Job> {
  const uid = typeof job === 'string' ? job : job.uid;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await api.fetchJob(uid);
    if (current.status !== 'submitted') return current;
    if (Date.now() > deadline) throw new Error(`job ${uid} still ${current.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until `check` holds. */
export async function until(check: () => Promise<boolean> | boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}
