import {
  checkStoredSize,
  defaultJobLimits,
  idempotentJobUid,
  type Job,
  type JobLimits,
  type JobProgress,
  type JobQueue,
  type JobQueueHost,
  type JobSubmission,
  jobJSON,
  type Logger,
} from '@constelite/api';
import { JobsFullError, UnknownJobError } from '@constelite/core';
import type { LoggerSelection } from '@constelite/core/wire';
import { Queue } from 'bullmq';
import type { Redis, RedisOptions } from 'ioredis';
import {
  connectRedis,
  DEFAULT_REDIS_URL,
  parseRedisUrl,
  type RedisAddress,
  redisFailure,
} from './connection.js';
import { decodeFailure } from './failure.js';

/** Options of `BullMQJobQueue`: where Redis is, the queue's name, and the shared job limits. */
export interface BullMQJobQueueOptions extends JobLimits {
  /** The Redis server: `redis://[user:password@]HOST:PORT[/db]` (`rediss://` for TLS). Default: `redis://127.0.0.1:6379`. */
  url?: string;
  /** More ioredis options (TLS certificates, …); the URL's host, port and credentials win. */
  redis?: RedisOptions;
  /** The BullMQ queue's name; API instances and workers of one application share it. Default: `'constelite-jobs'`. */
  name?: string;
  /** The prefix of every Redis key of the queue. Default: `'constelite'`. */
  prefix?: string;
  /**
   * How many times a job may start when its worker dies under it (killed, or its event loop
   * blocked for longer than `lockDurationMs`): after that many starts it fails with
   * `JOB_STALLED`. A protocol that throws is not retried. Default: 3.
   */
  attempts?: number;
  /** How long a worker's lock on a running job lasts without renewal; a job whose lock lapses is restarted elsewhere. Default: 30 000. */
  lockDurationMs?: number;
  /** How often workers look for jobs whose lock lapsed, in milliseconds. Default: 30 000. */
  stalledIntervalMs?: number;
  /** The shortest time between two progress writes of one job, in milliseconds. Default: 500. */
  progressIntervalMs?: number;
  /** How long connecting, and each Redis command of an API instance, may take before `JOBS_UNAVAILABLE`. Default: 5000. */
  timeoutMs?: number;
}

/** What a queue stores for a job: the protocol call as it arrived. */
export interface StoredJob {
  path: string;
  args: Record<string, unknown>;
  logger: LoggerSelection | null;
}

/** @internal The resolved settings a worker shares with the queue. */
export interface QueueSettings {
  name: string;
  prefix: string;
  target: RedisAddress;
  redis: RedisOptions;
  limits: Required<JobLimits>;
  attempts: number;
  lockDurationMs: number;
  stalledIntervalMs: number;
  progressIntervalMs: number;
  timeoutMs: number;
}

const ADMISSION_REFRESH_MS = 100;

interface Producer {
  client: Redis;
  queue: Queue;
}

/**
 * The job queue of a Constelite API on BullMQ (Redis). An API instance configured with it only
 * enqueues: `startWorker` runs the protocols in worker processes. Every API instance using the
 * same Redis and queue name answers `/jobs/fetch` and `/jobs/cancel` for every job, and jobs
 * survive restarts of the API and of the workers. A job runs at least once: make protocols
 * idempotent (docs/jobs.md, "Jobs run at least once").
 *
 * ```ts
 * const jobs = new BullMQJobQueue({ url: 'redis://127.0.0.1:6379' });
 * await jobs.open(); // JOBS_UNAVAILABLE naming host:port when Redis cannot be reached
 * const api = new HonoAPI({ name: 'Alpha', stores, jobs });
 * ```
 */
export class BullMQJobQueue implements JobQueue {
  readonly kind = 'job-queue' as const;
  /** @internal */
  readonly settings: QueueSettings;
  #host: JobQueueHost | null = null;
  #producer: Promise<Producer> | null = null;
  #closed = false;
  #admission = { counted: 0, at: 0, since: 0 };

  constructor(options: BullMQJobQueueOptions = {}) {
    const limits = { ...defaultJobLimits };
    for (const key of Object.keys(limits) as (keyof JobLimits)[]) {
      const value = options[key];
      if (value !== undefined) limits[key] = value;
    }
    this.settings = {
      name: options.name ?? 'constelite-jobs',
      prefix: options.prefix ?? 'constelite',
      target: parseRedisUrl(options.url ?? DEFAULT_REDIS_URL),
      redis: options.redis ?? {},
      limits,
      attempts: Math.max(1, options.attempts ?? 3),
      lockDurationMs: options.lockDurationMs ?? 30_000,
      stalledIntervalMs: options.stalledIntervalMs ?? 30_000,
      progressIntervalMs: options.progressIntervalMs ?? 500,
      timeoutMs: options.timeoutMs ?? 5000,
    };
  }

  /** `host:port` of the queue's Redis. */
  get address(): string {
    return this.settings.target.address;
  }

  bind(host: JobQueueHost): void {
    this.#host = host;
  }

  /**
   * Connects to Redis now, so that an unreachable Redis stops an API at start-up with
   * `JOBS_UNAVAILABLE` naming `host:port`. Without it the queue connects on its first use.
   */
  async open(): Promise<void> {
    await this.#ready();
  }

  async submit(submission: JobSubmission): Promise<Job> {
    const { path, idempotencyKey } = submission;
    const { queue } = await this.#ready();
    const uid = idempotencyKey === null ? crypto.randomUUID() : await idempotentJobUid(path, idempotencyKey);
    return this.#call(`submitting a job of protocol '${path}'`, async () => {
      if (idempotencyKey !== null) {
        const existing = await this.#read(uid);
        if (existing) return existing;
      }
      checkStoredSize('arguments', path, submission.args, this.settings.limits.maxArgsBytes);
      await this.#admit(queue, path);
      const ageSeconds = Math.max(1, Math.ceil(this.settings.limits.ttlMs / 1000));
      const keep = { age: ageSeconds, count: this.settings.limits.maxFinished };
      const data: StoredJob = { path, args: submission.args, logger: submission.logger };
      // An existing job id is not added again (BullMQ), so two API instances racing on one key make one job.
      await queue.add(path, data, { jobId: uid, attempts: 1, removeOnComplete: keep, removeOnFail: keep });
      return jobJSON(uid, 'queued');
    });
  }

  async fetch(uid: string): Promise<Job> {
    await this.#ready();
    const job = await this.#call(`fetching job ${uid}`, () => this.#read(uid));
    if (!job) throw unknownJob(uid);
    return job;
  }

  async cancel(uid: string): Promise<Job> {
    const { client, queue } = await this.#ready();
    return this.#call(`cancelling job ${uid}`, async () => {
      const current = await this.#read(uid);
      if (!current) throw unknownJob(uid);
      if (current.state !== 'queued' && current.state !== 'running') return current;
      // The mark (holding the protocol path) answers every fetch from now on, also once the job
      // is gone. A job no worker holds is removed, so it never runs; the message stops a
      // running one at once in whichever worker holds it.
      await client.set(cancelKey(this.settings, uid), current.path, 'PX', this.settings.limits.ttlMs);
      const removed = current.state === 'queued' && (await queue.remove(uid)) === 1;
      if (!removed) await client.publish(cancelChannel(this.settings), uid);
      return jobJSON(uid, 'cancelled', {
        error: cancelledMessage(uid, current.path),
        code: 'JOB_CANCELLED',
        progress: current.progress,
      });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const producer = this.#producer;
    this.#producer = null;
    if (!producer) return;
    const opened = await producer.catch(() => null);
    if (!opened) return;
    await opened.queue.close().catch(() => {});
    await opened.client.quit().catch(() => opened.client.disconnect());
  }

  /** The job with this uid as it is now, or null when Redis holds none. */
  async #read(uid: string): Promise<(Job & { path: string }) | null> {
    const { queue, client } = await this.#ready();
    // The state first, then the job: BullMQ writes a job's result (or failure) in the same
    // step that moves it to completed (or failed), so a job read after a state that says so
    // has it. Read together, the job could be read before the step and the state after it,
    // and a finished job would answer success with no result.
    const state = await queue.getJobState(uid);
    const [job, cancelled] = await Promise.all([
      queue.getJob(uid),
      client.get(cancelKey(this.settings, uid)),
    ]);
    if (!job) {
      // A queued job that was cancelled is removed from the queue; its mark remains.
      if (cancelled === null) return null;
      return {
        ...jobJSON(uid, 'cancelled', { error: cancelledMessage(uid, cancelled), code: 'JOB_CANCELLED' }),
        path: cancelled,
      };
    }
    const path = job.name;
    const progress = progressOf(job.progress);
    if (state === 'completed') {
      return { ...jobJSON(uid, 'success', { result: job.returnvalue ?? null, progress }), path };
    }
    if (state === 'failed') {
      const failure = decodeFailure(job.failedReason ?? '', { uid, path, attempts: this.settings.attempts });
      return {
        ...jobJSON(uid, failure.state, {
          error: failure.error,
          code: failure.code,
          causeCode: failure.causeCode,
          progress,
        }),
        path,
      };
    }
    if (cancelled !== null) {
      return {
        ...jobJSON(uid, 'cancelled', { error: cancelledMessage(uid, path), code: 'JOB_CANCELLED', progress }),
        path,
      };
    }
    return { ...jobJSON(uid, state === 'active' ? 'running' : 'queued', { progress }), path };
  }

  /**
   * Refuses a submission when `maxQueued` jobs wait. The count is read from Redis at most every
   * 100 ms and on every submission once the estimate nears the limit, so that admission costs
   * no round trip most of the time; a burst arriving within one refresh across several API
   * instances may overshoot the limit by what they admit meanwhile.
   */
  async #admit(queue: Queue, path: string): Promise<void> {
    const limit = this.settings.limits.maxQueued;
    const now = Date.now();
    const seen = this.#admission;
    if (now - seen.at > ADMISSION_REFRESH_MS || seen.counted + seen.since >= limit * 0.9) {
      const counts = await queue.getJobCounts('waiting', 'delayed', 'prioritized');
      this.#admission = {
        counted: Object.values(counts).reduce((sum, count) => sum + count, 0),
        at: now,
        since: 0,
      };
    }
    const waiting = this.#admission.counted + this.#admission.since;
    if (waiting >= limit) {
      throw new JobsFullError(
        `The job queue '${this.settings.name}' at ${this.address} is full: ${waiting} jobs wait to run (maxQueued ${limit}); try protocol '${path}' again later`,
        { extra: { protocol: path, queued: waiting } },
      );
    }
    this.#admission.since++;
  }

  #ready(): Promise<Producer> {
    if (this.#closed) {
      return Promise.reject(
        redisFailure(new Error('Connection is closed: the queue was closed'), this.address, 'closed'),
      );
    }
    if (!this.#producer) {
      const opening = this.#connect();
      this.#producer = opening;
      // A failed connection is tried again on the next call (Redis may be up by then).
      opening.catch(() => {
        if (this.#producer === opening) this.#producer = null;
      });
    }
    return this.#producer;
  }

  async #connect(): Promise<Producer> {
    const { target, timeoutMs } = this.settings;
    const client = await connectRedis(
      target,
      {
        ...this.settings.redis,
        // An API instance must answer at once when Redis is away, not queue commands until it returns.
        enableOfflineQueue: false,
        maxRetriesPerRequest: 1,
        commandTimeout: timeoutMs,
      },
      timeoutMs,
      `job queue '${this.settings.name}'`,
    );
    watchConnection(client, this.address, () => this.#host?.logger);
    const queue = new Queue(this.settings.name, { connection: client, prefix: this.settings.prefix });
    queue.on('error', () => {
      // Reported once per outage by watchConnection; the calls that fail answer JOBS_UNAVAILABLE.
    });
    try {
      await queue.waitUntilReady();
    } catch (error) {
      client.disconnect();
      throw redisFailure(error, this.address, `job queue '${this.settings.name}'`);
    }
    return { client, queue };
  }

  async #call<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw redisFailure(error, this.address, what);
    }
  }
}

/** Logs a lost connection once per outage, and its return (an API keeps serving store calls meanwhile). */
export function watchConnection(client: Redis, address: string, logger: () => Logger | undefined): void {
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    const log = logger();
    const message = `The job queue's Redis at ${address} is unavailable: ${error.message}; reconnecting`;
    if (log) log.error(message, { code: 'JOBS_UNAVAILABLE', address });
    else console.error(message);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    const log = logger();
    const message = `The job queue's Redis at ${address} is back`;
    if (log) log.info(message, { address });
    else console.error(message);
  });
}

function unknownJob(uid: string): UnknownJobError {
  return new UnknownJobError(`No job with uid '${uid}': it never existed or it finished and expired`, {
    extra: { uid },
  });
}

function progressOf(value: unknown): JobProgress | null {
  if (typeof value !== 'object' || value === null) return null;
  const { fraction, message } = value as { fraction?: unknown; message?: unknown };
  return {
    fraction: typeof fraction === 'number' ? fraction : null,
    message: typeof message === 'string' ? message : null,
  };
}

/** The message of a cancelled job. */
export function cancelledMessage(uid: string, path: string): string {
  return `Job ${uid} of protocol '${path}' was cancelled`;
}

/** @internal The Redis key that marks a job cancelled. */
export function cancelKey(settings: QueueSettings, uid: string): string {
  return `${settings.prefix}:${settings.name}:constelite:cancelled:${uid}`;
}

/** @internal The channel on which cancellations reach the workers. */
export function cancelChannel(settings: QueueSettings): string {
  return `${settings.prefix}:${settings.name}:constelite:cancel`;
}
