import type { AnyStateModel, ProtocolArgs, ProtocolResult, ProtocolSignature } from '@constelite/core';
import type {
  CountOptions,
  IterateOptions,
  QueryOptions,
  QueryPage,
  QueryPageOptions,
  QueryRef,
} from '@constelite/core/query';
import type { JobJSON, JobStatus as WireJobStatus } from '@constelite/core/wire';

/** The status of a job as every client knows it: `submitted` until the protocol finishes, then `success` or `failed`. */
export type JobStatus = WireJobStatus;

/** Where a job is: `queued` and `running` read `submitted`; `cancelled` reads `failed` (error code `JOB_CANCELLED`). */
export type JobState = 'queued' | 'running' | 'success' | 'failed' | 'cancelled';

/** The last progress a running job reported. */
export interface JobProgress {
  /** How much is done, from 0 to 1, or null. */
  fraction: number | null;
  /** What the protocol is doing, or null. */
  message: string | null;
}

/**
 * A protocol run in the background, as the API reports it (`result` resolved into refs and
 * states). `state`, `progress`, `error_code` and `error_cause_code` are absent when the API
 * does not send them (e.g. a Python Constelite API).
 */
export type Job<R = unknown> = JobJSON<R> & {
  state?: JobState;
  progress?: JobProgress | null;
  error_code?: string | null;
  error_cause_code?: string | null;
};

/** Which logger of the API a call should log to: its name, or its name and keyword arguments. */
export type LoggerChoice = string | { name: string; kwargs?: Record<string, unknown> };

/** Options of one protocol or job call. */
export interface CallOptions {
  /** The API logger the protocol logs to (the API's `default` logger when omitted). */
  logger?: LoggerChoice;
  /** Milliseconds to wait for the answer, or `false` for no limit. Default: the client's `timeout`. */
  timeout?: number | false;
  /**
   * Retries of this call. Protocol calls are not retried by default because a protocol may
   * write; pass a retry policy for a protocol you know is safe to repeat.
   */
  retry?: number | RetryPolicy;
  /** Aborts the call. */
  signal?: AbortSignal;
  /**
   * `false` resolves as soon as the request has been sent, without waiting for the protocol to
   * finish (the Python client's `wait_for_response=False`); the answer is discarded. Protocol
   * calls only; a job start always waits for the submitted job. Default: true.
   */
  waitForResponse?: boolean;
  /**
   * Job starts only: the same key (for the same protocol) answers the job the first start
   * created instead of starting another, for as long as the API retains that job. A start with
   * a key is safe to repeat, so it is retried like a read.
   */
  idempotencyKey?: string;
}

/** Options of a fire-and-forget protocol call. */
export type SendOptions = CallOptions & { waitForResponse: false };

/** Options of `client.call`, the raw call of any path. */
export interface RawCallOptions {
  /** Milliseconds to wait for the answer, or `false` for no limit. Default: the client's `timeout`. */
  timeout?: number | false;
  /** Retries: none unless given, since the client cannot know whether the endpoint writes. */
  retry?: number | RetryPolicy;
  /** Aborts the call. */
  signal?: AbortSignal;
}

/** When and how often reads are retried. */
export interface RetryPolicy {
  /** How many times a failed request is repeated. Default: 2. */
  limit?: number;
  /** HTTP statuses worth repeating. Default: 408, 429, 500, 502, 503, 504. */
  statusCodes?: number[];
  /** Delay before retry number `attempt` (from 1), in milliseconds. Default: 300 ms doubling each time. */
  delay?: (attempt: number) => number;
  /** The longest delay between two attempts, in milliseconds. Default: 5000. */
  backoffLimit?: number;
  /** Also repeat a request that timed out. Default: false. */
  retryOnTimeout?: boolean;
}

/** The store a record lives in (or is to be created in): its uid, and optionally its name. */
export interface StoreRef {
  uid: string;
  name?: string | null;
}

/** Where a query runs: the store on the API. */
interface InStore {
  /** The store to query. */
  store: StoreRef;
}

/** Arguments of `client.store.query`: those of `Store.query`, plus the store (docs/queries.md). */
export type QueryArgs<M extends AnyStateModel | string> = QueryOptions<M> & InStore;
/** Arguments of `client.store.queryPage`. */
export type QueryPageArgs<M extends AnyStateModel | string> = QueryPageOptions<M> & InStore;
/** Arguments of `client.store.count`. */
export type CountArgs<M extends AnyStateModel | string> = CountOptions<M> & InStore;
/** Arguments of `client.store.iterate`: `pageSize` records are fetched per request. */
export type IterateArgs<M extends AnyStateModel | string> = IterateOptions<M> & InStore;

/** The ref type a query of `M` answers with. */
export type { QueryPage, QueryRef };

/** What a protocol call resolves to: `void` and `undefined` arrive as `null` over the wire. */
// biome-ignore lint/suspicious/noConfusingVoidType: a protocol returning nothing is typed `void` by zod
export type WireResult<R> = [R] extends [void]
  ? null
  : Exclude<R, undefined> | (undefined extends R ? null : never);

type ArgsParameter<A, O = CallOptions> = {} extends A ? [args?: A, options?: O] : [args: A, options?: O];
type SendParameter<A> = {} extends A
  ? [args: A | undefined, options: SendOptions]
  : [args: A, options: SendOptions];

/**
 * A typed protocol call: `client.protocols.hello_world({ name: 'Steve' })` answers the
 * protocol's result; with `{ waitForResponse: false }` it resolves (to `undefined`) once the
 * request is sent. The waiting form is the last overload, so `ReturnType` and `Parameters` see it.
 */
export interface ProtocolCall<P> {
  (...params: SendParameter<ProtocolArgs<P>>): Promise<void>;
  (
    ...params: ArgsParameter<ProtocolArgs<P>, CallOptions & { waitForResponse?: true }>
  ): Promise<WireResult<ProtocolResult<P>>>;
}

/** A typed job start: `client.jobs.hello_world({ name: 'Steve' })` answers a submitted job. */
export type JobCall<P> = (
  ...params: ArgsParameter<ProtocolArgs<P>>
) => Promise<Job<WireResult<ProtocolResult<P>>>>;

type IsFunction<T> = T extends (...args: never[]) => unknown ? true : false;

/** True when `T` is a protocol or a namespace holding one (at any depth). */
type HoldsProtocols<T> = T extends ProtocolSignature
  ? true
  : IsFunction<T> extends true
    ? false
    : T extends object
      ? keyof ProtocolTree<T, 'protocol'> extends never
        ? false
        : true
      : false;

type CallOf<P, Leaf extends CallKind> = Leaf extends 'protocol' ? ProtocolCall<P> : JobCall<P>;

/** Whether a tree's leaves run protocols or start jobs. */
export type CallKind = 'protocol' | 'job';

/** The protocols of namespace `P` as callables, nested namespaces as nested objects; other exports dropped. */
export type ProtocolTree<P, Leaf extends CallKind> = {
  [K in keyof P as K extends string
    ? HoldsProtocols<P[K]> extends true
      ? K
      : never
    : never]: P[K] extends ProtocolSignature ? CallOf<P[K], Leaf> : ProtocolTree<P[K], Leaf>;
};

/** An untyped protocol path: call it, or go one path segment deeper. */
export interface UntypedProtocols {
  (args?: Record<string, unknown>, options?: CallOptions): Promise<unknown>;
  readonly [segment: string]: UntypedProtocols;
}

/** An untyped job path: call it to start a job, or go one path segment deeper. */
export interface UntypedJobs {
  (args?: Record<string, unknown>, options?: CallOptions): Promise<Job>;
  readonly [segment: string]: UntypedJobs;
}

/** `client.protocols`: typed from the protocol namespace `P` when given, untyped otherwise. */
export type ProtocolsOf<P> = unknown extends P ? UntypedProtocols : ProtocolTree<P, 'protocol'>;

/** Options of `client.jobs.wait`. */
export interface WaitOptions {
  /** Give up (with `JOB_TIMEOUT`) after this many milliseconds. Default: 60 000. */
  timeoutMs?: number;
  /** Milliseconds between two fetches of the job. Default: 250. */
  intervalMs?: number;
  /** Stops waiting. */
  signal?: AbortSignal;
  /**
   * Throw the job's failure as a typed error (its `error_code`'s class: `PROTOCOL_FAILED`,
   * `JOB_CANCELLED`, …) instead of answering the failed job. Default: false.
   */
  throwOnFailure?: boolean;
}

/** The job helpers every client has, next to the job starters. */
export interface JobHelpers {
  /** The job's current status, result and error. Reads are retried by the client's retry policy. */
  fetch<R>(args: { job: Job<R> | string }): Promise<Job<R>>;
  /**
   * Fetches the job until it is no longer `submitted` and answers it (`success` or `failed`).
   * Throws `JOB_TIMEOUT` when it is still running after `timeoutMs`.
   */
  wait<R>(job: Job<R> | string, options?: WaitOptions): Promise<Job<R>>;
  /**
   * Cancels a job that has not finished: it never runs, or its protocol's signal is aborted;
   * it then reads `failed` with `error_code: 'JOB_CANCELLED'`. A finished job is answered as it is.
   */
  cancel<R>(job: Job<R> | string): Promise<Job<R>>;
}

/** `client.jobs`: job starters typed from the protocol namespace `P`, plus `fetch` and `wait`. */
export type JobsOf<P> = JobHelpers &
  (unknown extends P ? { readonly [segment: string]: UntypedJobs } : ProtocolTree<P, 'job'>);
