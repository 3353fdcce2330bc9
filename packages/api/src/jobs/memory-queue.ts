import { JobsFullError, UnknownJobError, ValidationError } from '@constelite/core';
import {
  checkStoredSize,
  failureOutcome,
  finishedJobJSON,
  idempotentJobUid,
  type Job,
  type JobOutcome,
  type JobProgress,
  jobJSON,
} from './job.js';
import {
  defaultJobLimits,
  type JobLimits,
  type JobQueue,
  type JobQueueHost,
  type JobSubmission,
} from './queue.js';

/** Options of the in-memory queue: the shared limits and how many jobs run at once. */
export interface MemoryJobQueueOptions extends JobLimits {
  /** How many jobs run at once; more wait, `queued`, in submission order. Default: 16. */
  concurrency?: number;
}

interface Entry {
  uid: string;
  submission: JobSubmission | null;
  state: 'queued' | 'running';
  progress: JobProgress | null;
  controller: AbortController;
  outcome: JobOutcome | null;
}

/**
 * The embedded job queue: jobs live in this process's memory and run in it, at most
 * `concurrency` at a time. It is the default of every API, so a single process needs nothing
 * else; jobs are lost when the process ends (docs/jobs.md, "What runs where"). Finished jobs expire after `ttlMs`
 * and beyond `maxFinished`; expiry happens when jobs are submitted or fetched, so no timer
 * keeps the process alive.
 */
export class MemoryJobQueue implements JobQueue {
  readonly kind = 'job-queue' as const;
  readonly #limits: Required<JobLimits>;
  readonly #concurrency: number;
  readonly #entries = new Map<string, Entry>();
  /** Queued entries in submission order (a Map keeps insertion order). */
  readonly #waiting = new Map<string, Entry>();
  /** Finished job uids with their finishing time, oldest first. */
  readonly #finished = new Map<string, number>();
  #running = 0;
  #host: JobQueueHost | null = null;

  constructor(options: MemoryJobQueueOptions = {}) {
    this.#limits = { ...defaultJobLimits, ...withoutUndefined(options) };
    this.#concurrency = Math.max(1, options.concurrency ?? 16);
  }

  bind(host: JobQueueHost): void {
    if (this.#host && this.#host !== host) {
      throw new ValidationError(
        `This in-memory job queue already runs the jobs of API ${this.#host.name}; give API ${host.name} its own`,
      );
    }
    this.#host = host;
  }

  async submit(submission: JobSubmission): Promise<Job> {
    this.#prune();
    const { path, idempotencyKey } = submission;
    const uid = idempotencyKey === null ? crypto.randomUUID() : await idempotentJobUid(path, idempotencyKey);
    const existing = this.#entries.get(uid);
    if (existing) return this.#snapshot(existing);
    checkStoredSize('arguments', path, submission.args, this.#limits.maxArgsBytes);
    if (this.#running + this.#waiting.size >= this.#concurrency + this.#limits.maxQueued) {
      throw new JobsFullError(
        `The job queue of API ${this.#host?.name ?? '(unbound)'} is full: ${this.#running} jobs run and ${this.#waiting.size} wait (maxQueued ${this.#limits.maxQueued}); try protocol '${path}' again later`,
        { extra: { protocol: path, running: this.#running, queued: this.#waiting.size } },
      );
    }
    const entry: Entry = {
      uid,
      submission,
      state: 'queued',
      progress: null,
      controller: new AbortController(),
      outcome: null,
    };
    this.#entries.set(uid, entry);
    this.#waiting.set(uid, entry);
    const submitted = this.#snapshot(entry);
    // Start on a later tick, so that the caller holds the `queued` job before its work begins.
    queueMicrotask(() => this.#pump());
    return submitted;
  }

  async fetch(uid: string): Promise<Job> {
    this.#prune();
    return this.#snapshot(this.#get(uid));
  }

  async cancel(uid: string): Promise<Job> {
    this.#prune();
    const entry = this.#get(uid);
    if (!entry.outcome) {
      const path = entry.submission?.path ?? '';
      this.#waiting.delete(uid);
      this.#finish(entry, {
        state: 'cancelled',
        error: `Job ${uid} of protocol '${path}' was cancelled`,
        code: 'JOB_CANCELLED',
        causeCode: null,
      });
      entry.controller.abort();
    }
    return this.#snapshot(entry);
  }

  async close(): Promise<void> {
    for (const entry of this.#entries.values()) if (!entry.outcome) await this.cancel(entry.uid);
  }

  /** How many jobs are held (queued, running and finished). */
  get size(): number {
    this.#prune();
    return this.#entries.size;
  }

  #get(uid: string): Entry {
    const entry = this.#entries.get(uid);
    if (!entry) {
      throw new UnknownJobError(`No job with uid '${uid}': it never existed or it finished and expired`, {
        extra: { uid },
      });
    }
    return entry;
  }

  #pump(): void {
    const host = this.#host;
    if (!host) return;
    while (this.#running < this.#concurrency) {
      const next = this.#waiting.values().next();
      if (next.done) return;
      const entry = next.value;
      this.#waiting.delete(entry.uid);
      this.#start(entry, host);
    }
  }

  #start(entry: Entry, host: JobQueueHost): void {
    const submission = entry.submission as JobSubmission;
    entry.state = 'running';
    this.#running++;
    host
      .run(submission, {
        uid: entry.uid,
        attempt: 1,
        signal: entry.controller.signal,
        progress: (progress) => {
          if (!entry.outcome) entry.progress = progress;
        },
      })
      .then(
        (result) => {
          try {
            checkStoredSize('result', submission.path, result, this.#limits.maxResultBytes);
            this.#finish(entry, { state: 'success', result });
          } catch (error) {
            this.#finish(entry, failureOutcome(error));
          }
        },
        (error: unknown) => this.#finish(entry, failureOutcome(error)),
      )
      .finally(() => {
        this.#running--;
        this.#pump();
      });
  }

  #finish(entry: Entry, outcome: JobOutcome): void {
    if (entry.outcome) return;
    entry.outcome = outcome;
    // The arguments are not needed once the job has finished; only the outcome is kept.
    entry.submission = entry.submission && { ...entry.submission, args: {} };
    this.#finished.set(entry.uid, Date.now());
    this.#prune();
  }

  #snapshot(entry: Entry): Job {
    const progress = entry.progress && { ...entry.progress };
    return entry.outcome
      ? finishedJobJSON(entry.uid, entry.outcome, progress)
      : jobJSON(entry.uid, entry.state, { progress });
  }

  #prune(): void {
    const oldest = Date.now() - this.#limits.ttlMs;
    for (const [uid, finishedAt] of this.#finished) {
      if (finishedAt > oldest && this.#finished.size <= this.#limits.maxFinished) break;
      this.#finished.delete(uid);
      this.#entries.delete(uid);
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
