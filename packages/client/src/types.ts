import type {
  AnyStateModel,
  ProtocolArgs,
  ProtocolResult,
  ProtocolSignature,
  RefTo,
  StateOf,
} from '@constelite/core';
import type { JobJSON, JobStatus as WireJobStatus } from '@constelite/core/wire';

/** The status of a job as every client knows it: `submitted` until the protocol finishes, then `success` or `failed`. */
export type JobStatus = WireJobStatus;

/** A protocol run in the background, as the API reports it (`result` resolved into refs and states). */
export type Job<R = unknown> = JobJSON<R>;

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

/** Arguments of `client.store.query`. */
export interface QueryArgs<M extends AnyStateModel | string> {
  /** The model (or its name) whose records, sub-models included, are wanted. */
  model: M;
  /** Static field values the records must equal; absent means all records of the model. */
  where?: M extends AnyStateModel ? Partial<Omit<StateOf<M>, 'model_name'>> : Record<string, unknown>;
  /** The store to query. */
  store: StoreRef;
  /** Return each record's state too. Default: false. */
  includeStates?: boolean;
}

/** The ref type a query of `M` answers with. */
export type QueryRef<M> = M extends AnyStateModel ? RefTo<StateOf<M>> : RefTo;

/** What a protocol call resolves to: `void` and `undefined` arrive as `null` over the wire. */
// biome-ignore lint/suspicious/noConfusingVoidType: a protocol returning nothing is typed `void` by zod
export type WireResult<R> = [R] extends [void]
  ? null
  : Exclude<R, undefined> | (undefined extends R ? null : never);

type ArgsParameter<A> = {} extends A ? [args?: A, options?: CallOptions] : [args: A, options?: CallOptions];

/** A typed protocol call: `client.protocols.hello_world({ name: 'Steve' })`. */
export type ProtocolCall<P> = (
  ...params: ArgsParameter<ProtocolArgs<P>>
) => Promise<WireResult<ProtocolResult<P>>>;

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
}

/** `client.jobs`: job starters typed from the protocol namespace `P`, plus `fetch` and `wait`. */
export type JobsOf<P> = JobHelpers &
  (unknown extends P ? { readonly [segment: string]: UntypedJobs } : ProtocolTree<P, 'job'>);
