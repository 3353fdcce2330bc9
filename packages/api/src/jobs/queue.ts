import type { LoggerSelection } from '@constelite/core/wire';
import type { Logger } from '../logger.js';
import type { Job, JobProgress } from './job.js';

/** What an API hands a queue to run: a protocol call, as it arrived (JSON-ready), already validated once. */
export interface JobSubmission {
  /** The protocol's path (`cats/herd_a_cat`). */
  path: string;
  /** The arguments as the caller sent them (validated again when the job runs). */
  args: Record<string, unknown>;
  /** The logger the caller selected, or null for the API's default. */
  logger: LoggerSelection | null;
  /** The same key (for the same protocol) answers the same job instead of starting another. */
  idempotencyKey: string | null;
}

/** What the running job gives the protocol, beyond its arguments. */
export interface JobRunContext {
  /** The job's uid (added to every log line of the run). */
  uid: string;
  /** Which run of the job this is: 1, or more when a worker died under an earlier run. */
  attempt: number;
  /** Aborted when the job is cancelled. */
  signal: AbortSignal;
  /** Records progress (a queue may throttle how often it is stored). */
  progress(progress: JobProgress): void;
}

/**
 * Runs one job's protocol and answers its JSON-ready result; a failure rejects with a typed
 * Constelite error (`PROTOCOL_FAILED`, `JOB_CANCELLED`, …). `ConsteliteAPI.runJob` is one.
 */
export type ProtocolRunner = (submission: JobSubmission, context: JobRunContext) => Promise<unknown>;

/** What an API gives the queue it uses. */
export interface JobQueueHost {
  /** The API's name (for messages). */
  name: string;
  /** Runs a job in this process (a queue whose workers run elsewhere never calls it). */
  run: ProtocolRunner;
  /** The API's default logger, for the queue's own lines (a lost connection, …). */
  logger: Logger;
}

/**
 * The job-queue contract of a Constelite API (docs/jobs.md): where `/jobs/<path>` puts a job
 * and where `/jobs/fetch` and `/jobs/cancel` find it. The in-memory `MemoryJobQueue` is the
 * default; `@constelite/jobs-bullmq` keeps jobs in Redis and runs them in worker processes.
 *
 * Every implementation: answers jobs in the wire form (`Job`); refuses a submission beyond its
 * admission limit with `JOBS_FULL`; bounds the stored size of arguments and results
 * (`PAYLOAD_TOO_LARGE`); retains finished jobs by age and count, then answers `UNKNOWN_JOB`;
 * answers an idempotent resubmission with the job of the first; reads a cancelled job as
 * `failed` with `error_code: 'JOB_CANCELLED'`.
 */
export interface JobQueue {
  /** Marks the object as a job queue (an API tells it from the options of the in-memory queue). */
  readonly kind: 'job-queue';
  /** Called once by the API that uses the queue. */
  bind(host: JobQueueHost): void;
  /** Admits a job and answers it (`queued`), or, for a known idempotency key, the job of that key as it is now. */
  submit(submission: JobSubmission): Promise<Job>;
  /** The job as it is now; `UNKNOWN_JOB` when it never existed or expired. */
  fetch(uid: string): Promise<Job>;
  /**
   * Cancels a job that has not finished: a queued job never runs, a running one has its
   * `signal` aborted. Either reads `cancelled` at once. A finished job is answered unchanged.
   */
  cancel(uid: string): Promise<Job>;
  /** Releases what the queue holds (connections, timers). */
  close(): Promise<void>;
}

/** Bounds shared by every queue: admission, stored sizes and retention. */
export interface JobLimits {
  /** How long a finished job can still be fetched, in milliseconds. Default: 1 hour. */
  ttlMs?: number;
  /** How many finished jobs are kept at most; the oldest go first. Default: 1000. */
  maxFinished?: number;
  /** How many jobs may wait to run; a submission beyond answers `JOBS_FULL` (503). Default: 1000. */
  maxQueued?: number;
  /** The largest arguments a job keeps, as JSON bytes; larger ones answer `PAYLOAD_TOO_LARGE`. Default: 256 KiB. */
  maxArgsBytes?: number;
  /** The largest result a job keeps, as JSON bytes; a larger one fails the job with `PAYLOAD_TOO_LARGE`. Default: 1 MiB. */
  maxResultBytes?: number;
}

/** The defaults of `JobLimits`. */
export const defaultJobLimits: Required<JobLimits> = {
  ttlMs: 60 * 60 * 1000,
  maxFinished: 1000,
  maxQueued: 1000,
  maxArgsBytes: 256 * 1024,
  maxResultBytes: 1024 * 1024,
};

/** True for a `JobQueue` (as opposed to the options of the in-memory queue). */
export function isJobQueue(value: unknown): value is JobQueue {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'job-queue' &&
    typeof (value as { submit?: unknown }).submit === 'function'
  );
}
