import {
  type AnyState,
  type AnyStateModel,
  type ConsteliteError,
  defaultRegistry,
  errorFromJSON,
  errorTable,
  InvalidResponseError,
  isConsteliteError,
  JobTimeoutError,
  type ModelRegistry,
  NetworkError,
  type Ref,
  type RefTo,
  type ResolveOptions,
  ValidationError,
} from '@constelite/core';
import { QUERY_LIMIT_MAX } from '@constelite/core/query';
import {
  type EndpointBody,
  type EndpointName,
  type EndpointResult,
  endpoints,
  formatIssues,
  type LoggerSelection,
} from '@constelite/core/wire';
import ky, { HTTPError, type KyInstance, type RetryOptions, TimeoutError } from 'ky';
import { type BodyLimits, readText } from './body.js';
import type {
  CallOptions,
  CountArgs,
  IterateArgs,
  Job,
  JobHelpers,
  JobsOf,
  LoggerChoice,
  ProtocolsOf,
  QueryArgs,
  QueryPage,
  QueryPageArgs,
  QueryRef,
  RawCallOptions,
  RetryPolicy,
  StoreRef,
  WaitOptions,
} from './types.js';

/** A `fetch` implementation: the global one, or e.g. a Hono app's `app.request` (no port needed). */
export type FetchFunction = (input: Request, init?: RequestInit) => Response | Promise<Response>;

/** Options of `ConsteliteClient`. */
export interface ConsteliteClientOptions {
  /** The API's base URL, e.g. `http://localhost:8001`. */
  url: string | URL;
  /**
   * The bearer token sent as `Authorization: Bearer <token>`. Default: the `CONSTELITE_TOKEN`
   * environment variable; `null` sends no token even when the variable is set.
   */
  token?: string | null;
  /**
   * Milliseconds a request may take, from sending it to the last byte of its answer (each retry
   * gets the whole time again), or `false` for no limit. Default: 30 000.
   */
  timeout?: number | false;
  /**
   * The largest answer the client reads, in bytes after decompression; a larger one is stopped
   * while it arrives and is a `RESPONSE_TOO_LARGE` error. Default: 64 MiB (`DEFAULT_MAX_RESPONSE_BYTES`).
   */
  maxResponseBytes?: number;
  /**
   * How reads (`store.get`, `store.query`, `jobs.fetch`) are retried: a retry count or a
   * policy. Writes and protocol calls are never retried unless a call asks for it. Default: 2 retries.
   */
  retry?: number | RetryPolicy;
  /** The fetch implementation. Default: the global `fetch`. */
  fetch?: FetchFunction;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** The registry that resolves answers into states and refs. Default: the global registry. */
  registry?: ModelRegistry;
  /**
   * Return states of models this client does not know as untyped objects instead of failing
   * with `UNKNOWN_MODEL`. Default: false.
   */
  force?: boolean;
  /**
   * Fields in an answer that the client's model does not define: `'strip'` (default) drops them,
   * so a client keeps working when the server's model has grown; `'reject'` fails with
   * `VALIDATION_FAILED`.
   */
  unknownFields?: 'reject' | 'strip';
}

interface RequestOptions {
  /** The protocol path of `/protocols/<path>` and `/jobs/<path>`. */
  protocolPath?: string;
  timeout?: number | false | undefined;
  retry?: number | RetryPolicy | undefined;
  /** Retry this write like a read (it is safe to repeat: an idempotent job start, a cancel). */
  retryAsRead?: boolean;
  signal?: AbortSignal | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** The largest answer a client reads unless told otherwise: 64 MiB. */
export const DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Error answers are read for their message only; a larger one is cut (its status still counts). */
const MAX_ERROR_BODY_BYTES = 1024 * 1024;
const DEFAULT_RETRY_LIMIT = 2;
const DEFAULT_RETRY_STATUSES = [408, 429, 500, 502, 503, 504];

/**
 * The HTTP client of a Constelite API (the `StarliteClient` of Python constelite):
 *
 * ```ts
 * const client = new ConsteliteClient<typeof protocols>({ url: 'http://localhost:8001' });
 * const saved = await client.store.put({ ref: ref(Cat({ name: 'Snowball' })), store: { uid } });
 * await client.protocols.hello_world({ name: 'Steve' });
 * ```
 *
 * Give it the type of the API's protocol namespace to type `client.protocols` and `client.jobs`.
 * Errors the API answers are thrown as the typed errors of `@constelite/core` (match on `code`);
 * an unreachable API or a timeout is a `NETWORK_ERROR`.
 */
export class ConsteliteClient<P = unknown> {
  /** The API's base URL (ending in `/`). */
  readonly url: string;
  /** Store access: `put`, `get`, `patch`, `delete`, `query`. */
  readonly store: StoreClient;
  /** Protocol calls by path: `client.protocols.cats.herd_a_cat(args)` posts to `/protocols/cats/herd_a_cat`. */
  readonly protocols: ProtocolsOf<P>;
  /** Job starts by path (`client.jobs.hello_world(args)`), plus `fetch` and `wait`. */
  readonly jobs: JobsOf<P>;
  readonly #transport: Transport;

  constructor(options: ConsteliteClientOptions) {
    this.#transport = new Transport(options);
    this.url = this.#transport.url;
    this.store = new StoreClient(this.#transport);
    this.protocols = pathProxy([], (path, args, call) =>
      this.runProtocol(path, args, call),
    ) as ProtocolsOf<P>;
    const helpers: JobHelpers = {
      fetch: (args) => this.fetchJob(args.job),
      wait: (job, waitOptions) => this.waitForJob(job, waitOptions),
      cancel: (job) => this.cancelJob(job),
    };
    this.jobs = pathProxy([], (path, args, call) => this.startJob(path, args, call), helpers) as JobsOf<P>;
  }

  /**
   * Runs the protocol at `path` (e.g. `'cats/herd_a_cat'`) and answers its result; the untyped
   * form of `client.protocols`. With `waitForResponse: false` it resolves (to `undefined`) once
   * the request has been sent.
   */
  async runProtocol(
    path: string,
    args?: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<unknown> {
    const body = { args: args ?? {}, logger: loggerJSON(options.logger) };
    if (options.waitForResponse === false) {
      const endpoint = endpoints['protocols.run'];
      return this.#transport.send(`${endpoint.path}${encodePath(path)}`, body, {
        timeout: options.timeout,
        signal: options.signal,
      });
    }
    const result = await this.#transport.call('protocols.run', body, {
      protocolPath: path,
      timeout: options.timeout,
      retry: options.retry,
      signal: options.signal,
    });
    return this.#transport.revive(result);
  }

  /** Starts the protocol at `path` as a job and answers the submitted job; the untyped form of `client.jobs`. */
  async startJob(path: string, args?: Record<string, unknown>, options: CallOptions = {}): Promise<Job> {
    const key = options.idempotencyKey;
    const body = {
      args: args ?? {},
      logger: loggerJSON(options.logger),
      ...(key === undefined ? {} : { idempotency_key: key }),
    };
    const job = await this.#transport.call('jobs.start', body, {
      protocolPath: path,
      timeout: options.timeout,
      // With a key a repeated start answers the same job, so it is as safe to retry as a read.
      retry: options.retry,
      retryAsRead: key !== undefined,
      signal: options.signal,
    });
    return this.#transport.job(job);
  }

  /**
   * Cancels the job: a queued job never runs, a running one has its protocol's signal aborted;
   * it then reads `failed` with `error_code: 'JOB_CANCELLED'`. A finished job is answered as
   * it is. Cancelling twice is harmless, so it is retried like a read.
   */
  async cancelJob<R = unknown>(
    job: Job<R> | string,
    options: { signal?: AbortSignal } = {},
  ): Promise<Job<R>> {
    const answer = await this.#transport.call(
      'jobs.cancel',
      { job: jobBody(job, 'jobs.cancel') },
      { signal: options.signal, retryAsRead: true },
    );
    return this.#transport.job(answer) as Job<R>;
  }

  /**
   * Posts `body` to `path` of the API (`'/jobs/cancel'`, or a route of your own next to the API)
   * and answers its JSON unchecked and unresolved: the raw call for endpoints this client does
   * not wrap. It counts as a write, so it is not retried unless `options.retry` asks. Errors
   * are the typed errors of every call.
   */
  async call(path: string, body: unknown = {}, options: RawCallOptions = {}): Promise<unknown> {
    return this.#transport.post(`/${encodePath(path, 'path')}`, body, 'write', options, path);
  }

  /** The job's current status, result and error (a read: retried by the client's retry policy). */
  async fetchJob<R = unknown>(job: Job<R> | string, options: { signal?: AbortSignal } = {}): Promise<Job<R>> {
    const answer = await this.#transport.call(
      'jobs.fetch',
      { job: jobBody(job, 'jobs.fetch') },
      { signal: options.signal },
    );
    return this.#transport.job(answer) as Job<R>;
  }

  /** Fetches the job until it has finished (`success` or `failed`); `JOB_TIMEOUT` after `timeoutMs`. */
  async waitForJob<R = unknown>(job: Job<R> | string, options: WaitOptions = {}): Promise<Job<R>> {
    const timeoutMs = options.timeoutMs ?? 60_000;
    const intervalMs = options.intervalMs ?? 250;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await this.fetchJob<R>(job, { signal: options.signal });
      if (current.status === 'failed' && options.throwOnFailure) throw jobFailure(current);
      if (current.status !== 'submitted') return current;
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new JobTimeoutError(`Job ${current.uid} was still running after ${timeoutMs} ms`, {
          extra: { uid: current.uid, timeoutMs },
        });
      }
      await sleep(Math.min(intervalMs, left), options.signal);
    }
  }
}

/**
 * The job as a `/jobs/fetch` or `/jobs/cancel` body carries it: the whole Job shape (without
 * the result), so that servers validating a Job model accept it too.
 */
function jobBody(job: Job | string, endpoint: string): EndpointBody<'jobs.fetch'>['job'] {
  const uid = typeof job === 'string' ? job : job?.uid;
  if (typeof uid !== 'string') {
    throw new ValidationError(`${endpoint} needs a job or a job uid, received ${JSON.stringify(job)}`);
  }
  return {
    model_name: 'Job',
    uid,
    status: typeof job === 'string' ? 'submitted' : job.status,
    result: null,
    error: null,
  };
}

/** The typed error of a failed job: the class of its `error_code` (`PROTOCOL_FAILED` when the API sent none). */
function jobFailure(job: Job): ConsteliteError {
  const code = typeof job.error_code === 'string' ? job.error_code : 'PROTOCOL_FAILED';
  const status = Object.hasOwn(errorTable, code) ? errorTable[code as keyof typeof errorTable].status : 500;
  const message = job.error ?? `Job ${job.uid} failed`;
  return errorFromJSON(
    {
      detail: message,
      code,
      status,
      extra: {
        error_message: message,
        uid: job.uid,
        ...(typeof job.error_cause_code === 'string' ? { cause_code: job.error_cause_code } : {}),
      },
    },
    status,
  );
}

/** @internal The HTTP side shared by the client's parts: URLs, retries, timeouts, errors, answer resolution. */
export class Transport {
  readonly url: string;
  readonly #http: KyInstance;
  readonly #userFetch: FetchFunction | undefined;
  readonly #headers: Record<string, string>;
  readonly #timeout: number | false;
  readonly #maxResponseBytes: number;
  readonly #readRetry: RetryOptions;
  readonly #registry: ModelRegistry;
  readonly #resolveOptions: ResolveOptions;

  constructor(options: ConsteliteClientOptions) {
    const base = parseBaseUrl(options.url);
    this.url = base.href;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.#maxResponseBytes = checkedLimit(options.maxResponseBytes);
    this.#readRetry = retryOptions(options.retry ?? DEFAULT_RETRY_LIMIT);
    this.#registry = options.registry ?? defaultRegistry;
    this.#resolveOptions = { force: options.force ?? false, unknownFields: options.unknownFields ?? 'strip' };
    const token = options.token === undefined ? environmentToken() : options.token;
    const userFetch = options.fetch;
    this.#headers = { ...options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) };
    this.#userFetch = userFetch;
    this.#http = ky.create({
      headers: this.#headers,
      throwHttpErrors: true,
      ...(userFetch ? { fetch: async (input, init) => userFetch(input as Request, init) } : {}),
    });
  }

  /**
   * Calls endpoint `name` of the endpoint table with `body` and answers its checked JSON. The
   * path and whether the call may be retried come from the table: reads are retried, writes
   * never unless asked. Answers other than 2xx become typed errors; an answer that is not what
   * the endpoint answers is `INVALID_RESPONSE` naming the endpoint.
   */
  async call<N extends EndpointName>(
    name: N,
    body: EndpointBody<N>,
    options: RequestOptions = {},
  ): Promise<EndpointResult<N>> {
    const endpoint = endpoints[name];
    const path =
      endpoint.match === 'prefix'
        ? `${endpoint.path}${encodePath(options.protocolPath ?? '')}`
        : endpoint.path;
    const json = await this.post(path, body, endpoint.kind, options, name);
    const checked = endpoint.result.safeParse(json);
    if (!checked.success) {
      const url = new URL(path.slice(1), this.url).href;
      throw new InvalidResponseError(
        `POST ${url} answered a body that is not what ${name} (${endpoint.path}${endpoint.match === 'prefix' ? '<path>' : ''}) answers: ${formatIssues(checked.error)}`,
        { extra: { endpoint: name, path, url } },
      );
    }
    return checked.data as EndpointResult<N>;
  }

  /**
   * Posts `body` to `path` and answers the parsed JSON. `endpoint` names the call in errors (an
   * endpoint of the table, or the path of a raw `client.call`). The timeout covers each attempt
   * from its request to the last byte of its answer; the answer is read up to `maxResponseBytes`.
   */
  async post(
    path: string,
    body: unknown,
    kind: 'read' | 'write',
    options: RequestOptions,
    endpoint: string = path,
  ): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.url).href;
    const timeout = options.timeout === undefined ? this.#timeout : options.timeout;
    const retry =
      options.retry !== undefined
        ? retryOptions(options.retry)
        : kind === 'read' || options.retryAsRead
          ? this.#readRetry
          : { limit: 0 };
    // ky's timeout ends when the headers arrive; this controller ends a body that stalls after them.
    const bodyAbort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, bodyAbort.signal]) : bodyAbort.signal;
    let attemptStarted = Date.now();
    const limits = (maxBytes: number): BodyLimits => ({
      url,
      maxBytes,
      deadline: timeout === false ? undefined : attemptStarted + timeout,
      timeoutMs: timeout,
      abort: bodyAbort,
      signal: options.signal,
    });
    let response: Response;
    try {
      response = await this.#http.post(url, {
        json: body,
        timeout,
        retry,
        signal,
        hooks: {
          beforeRequest: [
            () => {
              attemptStarted = Date.now();
            },
          ],
        },
      });
    } catch (error) {
      throw await toConsteliteError(
        error,
        url,
        timeout,
        limits(Math.min(MAX_ERROR_BODY_BYTES, this.#maxResponseBytes)),
      );
    }
    const text = await readText(response, limits(this.#maxResponseBytes));
    if (text.trim() === '') {
      throw new InvalidResponseError(
        `POST ${url} answered ${response.status} with an empty body, where ${endpoint} answers JSON`,
        { extra: { endpoint, url, status: response.status } },
      );
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new InvalidResponseError(
        `POST ${url} answered ${response.status} with a body that is not JSON, where ${endpoint} answers JSON: ${excerpt(text)}`,
        { cause, extra: { endpoint, url, status: response.status } },
      );
    }
  }

  /**
   * Posts `body` to `path` and resolves once the request has been sent, without waiting for the
   * answer (a protocol called with `waitForResponse: false`). Where the runtime streams request
   * bodies (Node, Bun, Deno), "sent" means the whole body was handed to the connection; where it
   * does not (browsers), it means the request was handed to `fetch`. A failure before that (the
   * API unreachable, an error answer that came first) is thrown; afterwards the request runs to
   * its end or to the timeout in the background and its answer is discarded.
   */
  async send(path: string, body: unknown, options: RequestOptions): Promise<void> {
    const url = new URL(path.replace(/^\//, ''), this.url).href;
    const timeout = options.timeout === undefined ? this.#timeout : options.timeout;
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    let markSent: () => void = () => undefined;
    const sent = new Promise<void>((resolve) => {
      markSent = resolve;
    });
    const init: RequestInit & { duplex?: 'half' } = {
      method: 'POST',
      headers: { ...this.#headers, 'content-type': 'application/json' },
      signal,
    };
    if (streamsRequestBodies()) {
      let given = false;
      // highWaterMark 0: the body is pulled only when the connection asks for more, so the
      // second pull means the first (and only) chunk has been written.
      init.body = new ReadableStream<Uint8Array>(
        {
          pull(stream) {
            if (given) {
              stream.close();
              markSent();
            } else {
              given = true;
              stream.enqueue(bytes);
            }
          },
        },
        { highWaterMark: 0 },
      );
      init.duplex = 'half';
    } else {
      init.body = bytes;
    }
    let timedOut = false;
    const timer =
      timeout === false
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeout);
    const limits: BodyLimits = {
      url,
      maxBytes: Math.min(MAX_ERROR_BODY_BYTES, this.#maxResponseBytes),
      deadline: timeout === false ? undefined : Date.now() + timeout,
      timeoutMs: timeout,
      abort: controller,
      signal: options.signal,
    };
    const outcome = (async () => {
      let response: Response;
      try {
        // The global fetch gets the URL and init: a Request built first would read the whole
        // body stream up front, before any connection, and "sent" would mean nothing.
        response = await (this.#userFetch
          ? this.#userFetch(new Request(url, init))
          : globalThis.fetch(url, init));
      } catch (error) {
        if (timedOut) throw timeoutError(url, timeout, error);
        throw await toConsteliteError(error, url, timeout, limits);
      }
      if (!response.ok) throw await errorFromResponse(response, url, limits);
      void response.body?.cancel().catch(() => undefined);
    })();
    if (!init.duplex) setTimeout(markSent, 0);
    try {
      await Promise.race([sent, outcome]);
    } catch (error) {
      clearTimeout(timer);
      throw error;
    }
    outcome.then(
      () => clearTimeout(timer),
      () => clearTimeout(timer),
    );
  }

  /** Resolves refs and states in a JSON answer through the registry (refs become `Ref`s). */
  revive(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((item) => this.revive(item));
    if (typeof value !== 'object' || value === null) return value;
    const name = (value as { model_name?: unknown }).model_name;
    if (name === 'Ref') return this.#registry.resolveRef(value, this.#resolveOptions);
    if (typeof name === 'string' && name !== 'Job')
      return this.#registry.resolveState(value, this.#resolveOptions);
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, this.revive(item)]));
  }

  /** Resolves a JSON ref answer. */
  resolveRef(value: unknown): RefTo {
    return this.#registry.resolveRef(value, this.#resolveOptions);
  }

  /** Checks and resolves a job answer. */
  job(value: unknown): Job {
    if (
      typeof value !== 'object' ||
      value === null ||
      (value as { model_name?: unknown }).model_name !== 'Job' ||
      typeof (value as { uid?: unknown }).uid !== 'string'
    ) {
      throw new InvalidResponseError(
        `Expected a Job from the API, received ${excerpt(JSON.stringify(value))}`,
      );
    }
    const job = value as Job;
    return {
      // Members newer than the Python client's three (state, progress, error_code…) are kept.
      ...job,
      model_name: 'Job',
      uid: job.uid,
      status: job.status,
      result: job.result === undefined ? null : this.revive(job.result),
      error: job.error ?? null,
    };
  }
}

/** A bound of a series window as JSON: JSON has no NaN or infinity, so those are refused here, naming the bound. */
function timestampJSON(bound: 'from' | 'to', value: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValidationError(
      `store.get: '${bound}' must be a finite number (a timestamp), received ${String(value)}`,
      { extra: { [bound]: String(value) } },
    );
  }
  return value;
}

/** `client.store`: the standard store methods over HTTP (docs/concepts.md, "The wire protocol"). */
export class StoreClient {
  readonly #client: Transport;

  /** @internal The client builds it. */
  constructor(client: Transport) {
    this.#client = client;
  }

  /**
   * Creates a record from the ref's state in `store` (ref without record), or overwrites the
   * given fields of the ref's record. Answers a ref with the record and no state. Not retried.
   */
  async put<S extends AnyState>(args: { ref: Ref<S>; store?: StoreRef | null }): Promise<RefTo<S>> {
    const body = { ref: args.ref, store: storeJSON(args.store) };
    return this.#client.resolveRef(await this.#client.call('store.put', body)) as RefTo<S>;
  }

  /**
   * The record's full current state; a missing record throws `RECORD_NOT_FOUND`. With `from`
   * and/or `to` (timestamps, inclusive), each dynamic field holds only its points in that
   * window, so a chart of the last hour does not fetch a year of points. Retried like every read.
   */
  async get<S extends AnyState>(args: {
    ref: Ref<S>;
    store?: StoreRef | null;
    from?: number;
    to?: number;
  }): Promise<RefTo<S>> {
    const body = {
      ref: args.ref,
      store: storeJSON(args.store),
      ...(args.from === undefined ? {} : { from: timestampJSON('from', args.from) }),
      ...(args.to === undefined ? {} : { to: timestampJSON('to', args.to) }),
    };
    return this.#client.resolveRef(await this.#client.call('store.get', body)) as RefTo<S>;
  }

  /**
   * Overwrites the given static fields, appends dynamic points and aggregation/composition
   * members, replaces associations. Answers a ref without state. Not retried. `store`, when
   * given, must be the store of the ref's record (the API then rejects a ref of another store).
   */
  async patch<S extends AnyState>(args: { ref: Ref<S>; store?: StoreRef | null }): Promise<RefTo<S>> {
    const body = args.store ? { ref: args.ref, store: storeJSON(args.store) } : { ref: args.ref };
    return this.#client.resolveRef(await this.#client.call('store.patch', body)) as RefTo<S>;
  }

  /** Deletes the record, its composition members (recursively) and every link to it. Not retried. */
  async delete(args: { ref: Ref; store?: StoreRef | null }): Promise<void> {
    const body = args.store ? { ref: args.ref, store: storeJSON(args.store) } : { ref: args.ref };
    await this.#client.call('store.delete', body);
  }

  /**
   * Refs to the records of a model (sub-models included) that meet `where`, sorted by
   * `orderBy`, at most `limit`; the same query language as `Store.query` (docs/queries.md).
   * Without a limit the API answers at most its unpaged maximum (default 10,000) and refuses a
   * query matching more with `RESULT_TOO_LARGE`: page with `queryPage` or `iterate`. Retried
   * like every read.
   */
  async query<M extends AnyStateModel | string>(args: QueryArgs<M>): Promise<QueryRef<M>[]> {
    checkLimit('query', 'limit', args.limit);
    const answer = await this.#client.call('store.query', {
      ...queryBody(args),
      order_by: orderByJSON('query', args.orderBy),
      limit: args.limit ?? null,
      include_states: args.includeStates ?? false,
    });
    return answer.map((item) => this.#client.resolveRef(item)) as QueryRef<M>[];
  }

  /** One page of a query and the cursor of the next page (null after the last). */
  async queryPage<M extends AnyStateModel | string>(args: QueryPageArgs<M>): Promise<QueryPage<QueryRef<M>>> {
    checkLimit('queryPage', 'limit', args.limit);
    const answer = await this.#client.call('store.queryPage', {
      ...queryBody(args),
      order_by: orderByJSON('queryPage', args.orderBy),
      limit: args.limit ?? null,
      cursor: args.cursor ?? null,
      include_states: args.includeStates ?? false,
    });
    return {
      refs: answer.refs.map((item) => this.#client.resolveRef(item)) as QueryRef<M>[],
      nextCursor: answer.next_cursor,
    };
  }

  /** How many records of a model (sub-models included) meet `where`. */
  async count<M extends AnyStateModel | string>(args: CountArgs<M>): Promise<number> {
    return this.#client.call('store.count', queryBody(args));
  }

  /**
   * Every record of a query, fetched `pageSize` (default 100) at a time with `queryPage`, so
   * that memory stays bounded however many records match.
   */
  async *iterate<M extends AnyStateModel | string>(args: IterateArgs<M>): AsyncGenerator<QueryRef<M>> {
    const { pageSize, ...query } = args;
    checkLimit('iterate', 'pageSize', pageSize);
    let cursor: string | null = null;
    do {
      const page: QueryPage<QueryRef<M>> = await this.queryPage<M>({
        ...query,
        ...(pageSize === undefined ? {} : { limit: pageSize }),
        cursor,
      } as QueryPageArgs<M>);
      yield* page.refs;
      cursor = page.nextCursor;
    } while (cursor !== null);
  }
}

/** The model, store and conditions of a query as the wire carries them. */
function queryBody(args: { model: AnyStateModel | string; where?: unknown; store: StoreRef }) {
  const where = args.where;
  if (where !== undefined && where !== null) {
    const proto = typeof where === 'object' ? Object.getPrototypeOf(where) : undefined;
    // `{ __proto__: {...} }` written as a literal sets the prototype: the condition would vanish on the wire.
    if (proto !== Object.prototype && proto !== null) {
      throw new ValidationError(
        `A query's where must be a plain object of conditions; this one's prototype is set (a '__proto__' key in an object literal?)`,
        { extra: { field: '__proto__' } },
      );
    }
  }
  return {
    model_name: typeof args.model === 'string' ? args.model : args.model.modelName,
    store: { uid: args.store.uid, name: args.store.name ?? null },
    where: (args.where ?? null) as Record<string, unknown> | null,
  };
}

/**
 * The sort keys as the wire carries them. Their shape is checked here, in the names the caller
 * used (`orderBy`); which fields may be sorted by is the store's to check.
 */
function orderByJSON(
  method: string,
  orderBy: readonly { field: string; direction?: 'asc' | 'desc' }[] | undefined,
): { field: string; direction: 'asc' | 'desc' }[] | null {
  if (orderBy === undefined || orderBy === null) return null;
  const wrong = (why: string) =>
    new ValidationError(`${method}: orderBy ${why}, received ${JSON.stringify(orderBy)}`, {
      extra: { field: 'orderBy' },
    });
  if (!Array.isArray(orderBy)) throw wrong('must be a list of { field, direction? }');
  return orderBy.map((item: unknown) => {
    if (typeof item !== 'object' || item === null) throw wrong('must be a list of { field, direction? }');
    const { field, direction, ...rest } = item as { field?: unknown; direction?: unknown };
    if (Object.keys(rest).length > 0) throw wrong(`has unknown keys ${Object.keys(rest).join(', ')}`);
    if (typeof field !== 'string') throw wrong('needs a field name in each item');
    if (direction !== undefined && direction !== 'asc' && direction !== 'desc') {
      throw wrong(`direction must be 'asc' or 'desc'`);
    }
    return { field, direction: direction ?? 'asc' };
  });
}

/** A limit or page size: a whole number from 1 to the maximum (NaN does not survive JSON, so it is checked here). */
function checkLimit(method: string, name: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > QUERY_LIMIT_MAX) {
    throw new ValidationError(
      `${method}: ${name} must be a whole number from 1 to ${QUERY_LIMIT_MAX}, received ${String(value)}`,
      { extra: { field: name } },
    );
  }
}

type Caller = (
  path: string,
  args: Record<string, unknown> | undefined,
  options: CallOptions | undefined,
) => Promise<unknown>;

/** A callable proxy that turns property access into path segments and a call into `caller(path)`. */
function pathProxy(segments: string[], caller: Caller, members: object = {}): unknown {
  const call = (args?: Record<string, unknown>, options?: CallOptions) => {
    if (segments.length === 0) {
      return Promise.reject(
        new ValidationError(
          'Name the protocol to call: client.protocols.<path>(args), e.g. client.protocols.hello_world({...})',
        ),
      );
    }
    return caller(segments.join('/'), args, options);
  };
  return new Proxy(call, {
    get(_target, property) {
      if (typeof property === 'symbol') return undefined;
      if (segments.length === 0 && Object.hasOwn(members, property))
        return (members as Record<string, unknown>)[property];
      // An awaited proxy must not look like a promise.
      if (property === 'then') return undefined;
      return pathProxy([...segments, property], caller);
    },
  });
}

function parseBaseUrl(url: string | URL): URL {
  let base: URL;
  try {
    base = new URL(String(url));
  } catch (cause) {
    throw new ValidationError(
      `The client's url '${String(url)}' is not a URL; give the API's base URL, e.g. http://localhost:8001`,
      {
        cause,
        extra: { url: String(url) },
      },
    );
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new ValidationError(`The client's url '${base.href}' must be http or https`, {
      extra: { url: base.href },
    });
  }
  // Paths are joined relative to the base, so it must end in '/' to keep a prefix such as /api.
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  base.search = '';
  base.hash = '';
  return base;
}

function encodePath(path: string, what: 'protocol path' | 'path' = 'protocol path'): string {
  const segments = path.split('/').filter(Boolean);
  // '.' and '..' would be resolved away by URL parsing and reach another endpoint.
  if (segments.length === 0 || segments.some((segment) => segment === '.' || segment === '..')) {
    throw new ValidationError(`'${path}' is not a ${what}`, {
      extra: what === 'path' ? { path } : { protocol: path },
    });
  }
  return segments.map(encodeURIComponent).join('/');
}

function loggerJSON(choice: LoggerChoice | undefined): LoggerSelection | null {
  if (choice === undefined) return null;
  if (typeof choice === 'string') return { logger_name: choice, logger_kwargs: {} };
  return { logger_name: choice.name, logger_kwargs: choice.kwargs ?? {} };
}

function storeJSON(store: StoreRef | null | undefined): { uid: string; name: string | null } | null {
  if (store === undefined || store === null) return null;
  return { uid: store.uid, name: store.name ?? null };
}

function retryOptions(policy: number | RetryPolicy): RetryOptions {
  const given = typeof policy === 'number' ? { limit: policy } : policy;
  return {
    limit: given.limit ?? DEFAULT_RETRY_LIMIT,
    // Every Constelite endpoint is a POST; whether a request may be repeated is decided per call.
    methods: ['post'],
    statusCodes: given.statusCodes ?? DEFAULT_RETRY_STATUSES,
    backoffLimit: given.backoffLimit ?? 5_000,
    retryOnTimeout: given.retryOnTimeout ?? false,
    ...(given.delay ? { delay: given.delay } : {}),
  };
}

/** Node's `process`, read through `globalThis` so that the client bundles for browsers unchanged. */
function nodeProcess():
  | { env?: Record<string, string | undefined>; versions?: { node?: string } }
  | undefined {
  return (globalThis as { process?: ReturnType<typeof nodeProcess> }).process;
}

function environmentToken(): string | undefined {
  return nodeProcess()?.env?.CONSTELITE_TOKEN || undefined;
}

/**
 * Whether `fetch` sends a `ReadableStream` body over HTTP/1.1 (Node, and Bun, which reports a
 * Node version). Browsers stream request bodies over HTTP/2 only, so they get the bytes whole.
 */
function streamsRequestBodies(): boolean {
  return typeof ReadableStream === 'function' && typeof nodeProcess()?.versions?.node === 'string';
}

function checkedLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_MAX_RESPONSE_BYTES;
  if (!(limit > 0)) {
    throw new ValidationError(
      `The client's maxResponseBytes must be a positive number of bytes, received ${String(limit)}`,
      {
        extra: { maxResponseBytes: limit },
      },
    );
  }
  return limit;
}

async function toConsteliteError(
  error: unknown,
  url: string,
  timeout: number | false,
  limits: BodyLimits,
): Promise<unknown> {
  if (isConsteliteError(error)) return error;
  if (error instanceof HTTPError) return errorFromResponse(error.response, url, limits);
  if (error instanceof TimeoutError) return timeoutError(url, timeout, error);
  // A caller's own abort stays an AbortError: it is not a fault of the network.
  if (error instanceof Error && error.name === 'AbortError') return error;
  const reason = describeCause(error);
  return new NetworkError(`Could not reach the Constelite API at ${url}: ${reason}`, {
    cause: error,
    extra: { url },
  });
}

function timeoutError(url: string, timeout: number | false, cause: unknown): NetworkError {
  return new NetworkError(`POST ${url} did not answer within ${String(timeout)} ms`, {
    cause,
    extra: { url, timeoutMs: timeout },
  });
}

/** The typed error of a non-2xx answer: its Constelite error body rebuilt, or its status. */
async function errorFromResponse(response: Response, url: string, limits: BodyLimits): Promise<unknown> {
  const status = response.status;
  // The status is the error; a body that is too large or stalls only loses the message.
  const text = await readText(response, limits).catch(() => '');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (typeof body === 'object' && body !== null && ('code' in body || 'detail' in body)) {
    return errorFromJSON(body as Parameters<typeof errorFromJSON>[0], status);
  }
  const statusText = response.statusText || `HTTP ${status}`;
  return errorFromJSON(
    {
      detail: statusText,
      extra: { error_message: `POST ${url} answered ${status} ${statusText}: ${excerpt(text)}`, url },
    },
    status,
  );
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const inner = (error as { cause?: unknown }).cause;
  const code = typeof inner === 'object' && inner !== null ? (inner as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${error.message} (${code})` : error.message;
}

function excerpt(text: string | undefined): string {
  if (text === undefined) return 'nothing';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
