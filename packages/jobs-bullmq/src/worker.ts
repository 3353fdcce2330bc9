import {
  type ConsteliteAPI,
  checkStoredSize,
  failureOutcome,
  type JobProgress,
  type Logger,
} from '@constelite/api';
import { JobCancelledError } from '@constelite/core';
import { type Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { connectRedis } from './connection.js';
import { decodeFailure, encodeFailure, isEncodedFailure } from './failure.js';
import {
  type BullMQJobQueue,
  cancelChannel,
  cancelKey,
  cancelledMessage,
  type QueueSettings,
  type StoredJob,
  watchConnection,
} from './queue.js';

/** Options of `startWorker`. */
export interface StartWorkerOptions {
  /**
   * The API whose protocols the worker runs: built like the API instances' (same protocols,
   * models and stores), so that a job runs the same wherever it runs.
   */
  api: ConsteliteAPI;
  /** The queue the API instances submit to (same Redis, name and prefix). */
  queue: BullMQJobQueue;
  /** How many jobs this worker runs at once. Default: 4. */
  concurrency?: number;
  /** Where the worker's own lines go (lost connections, restarted jobs). Default: the API's default logger. */
  logger?: Logger;
}

/** A running worker. */
export interface RunningWorker {
  /** The BullMQ worker, for its events and options. */
  readonly worker: Worker;
  /** Stops taking jobs, waits for the running ones to finish, and disconnects. */
  close(): Promise<void>;
}

/**
 * Starts a worker process's share of the queue: it takes jobs from Redis and runs their
 * protocols with `api.runJob`, `concurrency` at a time. A job whose worker dies is restarted
 * elsewhere after its lock lapses (up to the queue's `attempts`, then `JOB_STALLED`), so a
 * protocol runs at least once; make it idempotent (docs/jobs.md, "Jobs run at least once"). Resolves once the worker is
 * connected; `JOBS_UNAVAILABLE` naming `host:port` when Redis cannot be reached.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const { api, queue } = options;
  const settings = queue.settings;
  const logger = options.logger ?? api.getLogger();
  const what = `worker of job queue '${settings.name}'`;
  // BullMQ's workers block on Redis and must wait for it rather than fail a command while it restarts.
  const client = await connectRedis(
    settings.target,
    { ...settings.redis, maxRetriesPerRequest: null },
    settings.timeoutMs,
    what,
  );
  watchConnection(client, queue.address, () => logger);
  let subscriber: Redis | null = null;
  try {
    subscriber = await connectRedis(
      settings.target,
      { ...settings.redis, maxRetriesPerRequest: null },
      settings.timeoutMs,
      what,
    );
    subscriber.on('error', () => {
      // Reported once per outage through the main connection.
    });
    await subscriber.subscribe(cancelChannel(settings));
  } catch (error) {
    client.disconnect();
    subscriber?.disconnect();
    throw error;
  }

  const cancelled = new RecentSet(10_000);
  const worker = new Worker(
    settings.name,
    (job: BullJob, _token?: string, signal?: AbortSignal) =>
      runOne(api, client, settings, job, signal, logger, cancelled),
    {
      connection: client,
      prefix: settings.prefix,
      concurrency: Math.max(1, options.concurrency ?? 4),
      lockDuration: settings.lockDurationMs,
      stalledInterval: settings.stalledIntervalMs,
      maxStalledCount: settings.attempts - 1,
      autorun: false,
    },
  );
  worker.on('error', () => {
    // Connection errors are reported once per outage by watchConnection; BullMQ retries by itself.
  });
  const lookup = new Queue(settings.name, { connection: client, prefix: settings.prefix });
  lookup.on('error', () => {});
  worker.on('stalled', (uid: string) => {
    void reportStalled(lookup, uid, logger);
  });
  worker.on('failed', (job: BullJob | undefined, error: Error) => {
    // Failures of a protocol run were logged by `api.runJob`; BullMQ's own (a job out of starts) are logged here.
    if (!job || isEncodedFailure(error.message)) return;
    const path = job.name;
    const failure = decodeFailure(error.message, {
      uid: job.id as string,
      path,
      attempts: settings.attempts,
    });
    logger.error(failure.error, { code: failure.code, protocol: path, job: job.id });
  });
  subscriber.on('message', (_channel: string, uid: string) => {
    cancelled.add(uid);
    worker.cancelJob(uid, 'JOB_CANCELLED');
  });
  void worker.run().catch((error: unknown) => {
    logger.error(`The ${what} stopped: ${error instanceof Error ? error.message : String(error)}`, {
      code: 'JOBS_UNAVAILABLE',
    });
  });
  await worker.waitUntilReady();
  const sub = subscriber;
  let closing: Promise<void> | null = null;
  return {
    worker,
    close() {
      closing ??= (async () => {
        await worker.close();
        await lookup.close().catch(() => {});
        await sub.quit().catch(() => sub.disconnect());
        await client.quit().catch(() => client.disconnect());
      })();
      return closing;
    },
  };
}

/** Runs one job: the protocol through the API, progress throttled, the failure encoded with its codes. */
async function runOne(
  api: ConsteliteAPI,
  client: Redis,
  settings: QueueSettings,
  job: BullJob,
  bullSignal: AbortSignal | undefined,
  logger: Logger,
  cancelled: RecentSet,
): Promise<unknown> {
  const uid = job.id as string;
  const data = job.data as StoredJob;
  const path = data.path;
  const attempt = Math.max(1, job.attemptsStarted ?? 1);
  // A cancellation that arrived just before this worker took the job, or (for a job run again
  // after its worker died) one this worker may have missed.
  if (cancelled.has(uid) || (attempt > 1 && (await client.exists(cancelKey(settings, uid))))) {
    const message = cancelledMessage(uid, path);
    logger.warn(message, { code: 'JOB_CANCELLED', protocol: path, job: uid });
    throw new UnrecoverableError(
      encodeFailure({ state: 'cancelled', error: message, code: 'JOB_CANCELLED', causeCode: null }),
    );
  }
  const cancel = new AbortController();
  const abort = () =>
    cancel.abort(new JobCancelledError(cancelledMessage(uid, path), { extra: { protocol: path, uid } }));
  if (bullSignal?.aborted) abort();
  bullSignal?.addEventListener('abort', abort, { once: true });
  const progress = new ProgressWriter(job, settings.progressIntervalMs, logger);
  try {
    const result = await api.runJob(
      { path, args: data.args ?? {}, logger: data.logger ?? null, idempotencyKey: null },
      {
        uid,
        attempt,
        signal: cancel.signal,
        progress: (value) => progress.report(value),
      },
    );
    try {
      checkStoredSize('result', path, result, settings.limits.maxResultBytes);
    } catch (error) {
      logger.error((error as Error).message, { code: 'PAYLOAD_TOO_LARGE', protocol: path, job: uid });
      throw error;
    }
    await progress.flush();
    // BullMQ stores `undefined` as nothing; the wire answers null.
    return result ?? null;
  } catch (error) {
    progress.stop();
    throw new UnrecoverableError(encodeFailure(failureOutcome(error)));
  } finally {
    bullSignal?.removeEventListener('abort', abort);
  }
}

/** The uids of recently cancelled jobs, at most `size` of them (the oldest are forgotten first). */
class RecentSet {
  readonly #size: number;
  readonly #uids = new Set<string>();

  constructor(size: number) {
    this.#size = size;
  }

  add(uid: string): void {
    this.#uids.add(uid);
    if (this.#uids.size > this.#size) {
      const oldest = this.#uids.values().next();
      if (!oldest.done) this.#uids.delete(oldest.value);
    }
  }

  has(uid: string): boolean {
    return this.#uids.has(uid);
  }
}

/**
 * Stores a job's progress at most once per interval, always keeping the latest: a protocol may
 * report on every step without flooding Redis, and the last report is written before the job ends.
 */
class ProgressWriter {
  readonly #job: BullJob;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  #lastWrite = 0;
  #pending: JobProgress | null = null;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(job: BullJob, intervalMs: number, logger: Logger) {
    this.#job = job;
    this.#intervalMs = intervalMs;
    this.#logger = logger;
  }

  report(progress: JobProgress): void {
    // A protocol that ignored its cancellation may go on reporting: its job is over.
    if (this.#stopped) return;
    this.#pending = progress;
    if (this.#timer) return;
    const wait = this.#lastWrite + this.#intervalMs - Date.now();
    if (wait <= 0) this.#write();
    else this.#timer = setTimeout(() => this.#write(), wait);
  }

  async flush(): Promise<void> {
    if (this.#pending) this.#write();
    this.#stopped = true;
    await this.#writing;
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#pending = null;
  }

  #write(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const progress = this.#pending;
    this.#pending = null;
    if (!progress) return;
    this.#lastWrite = Date.now();
    const previous = this.#writing;
    this.#writing = previous
      .then(() => this.#job.updateProgress(progress as unknown as object))
      .catch((error: unknown) => {
        // Progress is advisory: a lost write does not fail the job.
        this.#logger.warn(`Progress of job ${this.#job.id} not stored: ${(error as Error).message}`, {
          job: this.#job.id,
        });
      });
  }
}

/** Logs a job whose worker stopped under it: it runs again, or, out of starts, fails when a worker takes it next. */
async function reportStalled(lookup: Queue, uid: string, logger: Logger): Promise<void> {
  try {
    const job = await lookup.getJob(uid);
    const path = job?.name ?? '';
    const outOfStarts = Boolean((job as { deferredFailure?: string } | undefined)?.deferredFailure);
    logger.warn(
      outOfStarts
        ? `Job ${uid} of protocol '${path}' lost its worker once more than it may; it fails`
        : `Job ${uid} of protocol '${path}' lost its worker; it runs again`,
      { protocol: path, job: uid },
    );
  } catch {
    // A report only; the job's own state is in Redis either way.
  }
}
