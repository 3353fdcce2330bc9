import { randomUUID } from 'node:crypto';
import { UnknownJobError } from '@constelite/core';

/** The status of a job: `submitted` until the protocol finishes, then `success` or `failed`. */
export type JobStatus = 'submitted' | 'success' | 'failed';

/** A protocol run in the background, as it travels on the wire. */
export interface Job {
  model_name: 'Job';
  /** A version-4 UUID. */
  uid: string;
  status: JobStatus;
  /** The protocol's JSON-ready result once `status` is `success`; otherwise null. */
  result: unknown;
  /** What went wrong once `status` is `failed`; otherwise null. */
  error: string | null;
}

/** Bounds of the finished jobs an API keeps. */
export interface JobOptions {
  /** How long a finished job can still be fetched, in milliseconds. Default: 1 hour. */
  ttlMs?: number;
  /** How many finished jobs are kept at most; the oldest go first. Default: 1000. */
  maxFinished?: number;
}

interface Entry {
  job: Job;
  finishedAt: number | null;
}

/**
 * Jobs in memory. Finished jobs expire after `ttlMs` and beyond `maxFinished`; expiry happens
 * when jobs are started or fetched, so no timer keeps the process alive.
 */
export class JobTable {
  readonly #ttlMs: number;
  readonly #maxFinished: number;
  readonly #jobs = new Map<string, Entry>();
  /** Finished job uids, oldest first (a Map keeps insertion order). */
  readonly #finished = new Map<string, number>();

  constructor(options: JobOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 60 * 60 * 1000;
    this.#maxFinished = options.maxFinished ?? 1000;
  }

  /** Registers a job for `work` and settles it when `work` does. Returns the submitted job. */
  start(work: () => Promise<unknown>, describeError: (error: unknown) => string): Job {
    this.#prune();
    const entry: Entry = {
      job: { model_name: 'Job', uid: randomUUID(), status: 'submitted', result: null, error: null },
      finishedAt: null,
    };
    this.#jobs.set(entry.job.uid, entry);
    const submitted = { ...entry.job };
    // Start on a later tick so that the caller holds the `submitted` job before the work begins.
    queueMicrotask(() => {
      work().then(
        (result) => this.#finish(entry, { status: 'success', result, error: null }),
        (error: unknown) =>
          this.#finish(entry, { status: 'failed', result: null, error: describeError(error) }),
      );
    });
    return submitted;
  }

  /** A snapshot of the job; `UnknownJobError` when it never existed or has expired. */
  fetch(uid: string): Job {
    this.#prune();
    const entry = this.#jobs.get(uid);
    if (!entry) {
      throw new UnknownJobError(`No job with uid '${uid}': it never existed or it finished and expired`, {
        extra: { uid },
      });
    }
    return { ...entry.job };
  }

  /** How many jobs are held (running and finished). */
  get size(): number {
    this.#prune();
    return this.#jobs.size;
  }

  #finish(entry: Entry, outcome: Pick<Job, 'status' | 'result' | 'error'>): void {
    Object.assign(entry.job, outcome);
    entry.finishedAt = Date.now();
    this.#finished.set(entry.job.uid, entry.finishedAt);
    this.#prune();
  }

  #prune(): void {
    const oldest = Date.now() - this.#ttlMs;
    for (const [uid, finishedAt] of this.#finished) {
      if (finishedAt > oldest && this.#finished.size <= this.#maxFinished) break;
      this.#finished.delete(uid);
      this.#jobs.delete(uid);
    }
  }
}
