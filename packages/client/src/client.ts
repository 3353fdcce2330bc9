import {
  type AnyState,
  type AnyStateModel,
  defaultRegistry,
  errorFromJSON,
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
import {
  type EndpointBody,
  type EndpointName,
  type EndpointResult,
  endpoints,
  formatIssues,
  type LoggerSelection,
} from '@constelite/core/wire';
import ky, { HTTPError, type KyInstance, type RetryOptions, TimeoutError } from 'ky';
import type {
  CallOptions,
  Job,
  JobHelpers,
  JobsOf,
  LoggerChoice,
  ProtocolsOf,
  QueryArgs,
  QueryRef,
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
  /** Milliseconds to wait for each answer, or `false` for no limit. Default: 30 000. */
  timeout?: number | false;
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
  signal?: AbortSignal | undefined;
}

const DEFAULT_TIMEOUT_MS = 30_000;
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
    };
    this.jobs = pathProxy([], (path, args, call) => this.startJob(path, args, call), helpers) as JobsOf<P>;
  }

  /** Runs the protocol at `path` (e.g. `'cats/herd_a_cat'`) and answers its result; the untyped form of `client.protocols`. */
  async runProtocol(
    path: string,
    args?: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<unknown> {
    const body = { args: args ?? {}, logger: loggerJSON(options.logger) };
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
    const body = { args: args ?? {}, logger: loggerJSON(options.logger) };
    const job = await this.#transport.call('jobs.start', body, {
      protocolPath: path,
      timeout: options.timeout,
      retry: options.retry,
      signal: options.signal,
    });
    return this.#transport.job(job);
  }

  /** The job's current status, result and error (a read: retried by the client's retry policy). */
  async fetchJob<R = unknown>(job: Job<R> | string, options: { signal?: AbortSignal } = {}): Promise<Job<R>> {
    const uid = typeof job === 'string' ? job : job?.uid;
    if (typeof uid !== 'string') {
      throw new ValidationError(`jobs.fetch needs a job or a job uid, received ${JSON.stringify(job)}`);
    }
    const answer = await this.#transport.call(
      'jobs.fetch',
      // The whole Job shape (without the result) so that servers validating a Job model accept it too.
      {
        job: {
          model_name: 'Job',
          uid,
          status: typeof job === 'string' ? 'submitted' : job.status,
          result: null,
          error: null,
        },
      },
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

/** @internal The HTTP side shared by the client's parts: URLs, retries, timeouts, errors, answer resolution. */
export class Transport {
  readonly url: string;
  readonly #http: KyInstance;
  readonly #timeout: number | false;
  readonly #readRetry: RetryOptions;
  readonly #registry: ModelRegistry;
  readonly #resolveOptions: ResolveOptions;

  constructor(options: ConsteliteClientOptions) {
    const base = parseBaseUrl(options.url);
    this.url = base.href;
    this.#timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    this.#readRetry = retryOptions(options.retry ?? DEFAULT_RETRY_LIMIT);
    this.#registry = options.registry ?? defaultRegistry;
    this.#resolveOptions = { force: options.force ?? false, unknownFields: options.unknownFields ?? 'strip' };
    const token = options.token === undefined ? environmentToken() : options.token;
    const userFetch = options.fetch;
    this.#http = ky.create({
      headers: { ...options.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
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
    const json = await this.post(path, body, endpoint.kind, options);
    const checked = endpoint.result.safeParse(json);
    if (!checked.success) {
      throw new InvalidResponseError(
        `POST ${new URL(path.slice(1), this.url).href} answered a body that is not what ${endpoint.path}${endpoint.match === 'prefix' ? '<path>' : ''} answers: ${formatIssues(checked.error)}`,
        { extra: { endpoint: name, path } },
      );
    }
    return checked.data as EndpointResult<N>;
  }

  /** Posts `body` to `path` and answers the parsed JSON. */
  async post(path: string, body: unknown, kind: 'read' | 'write', options: RequestOptions): Promise<unknown> {
    const url = new URL(path.replace(/^\//, ''), this.url).href;
    const timeout = options.timeout === undefined ? this.#timeout : options.timeout;
    const retry =
      options.retry !== undefined
        ? retryOptions(options.retry)
        : kind === 'read'
          ? this.#readRetry
          : { limit: 0 };
    let response: Response;
    try {
      response = await this.#http.post(url, {
        json: body,
        timeout,
        retry,
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      throw await toConsteliteError(error, url, timeout);
    }
    const text = await response.text();
    if (text.trim() === '') {
      throw new InvalidResponseError(`POST ${url} answered ${response.status} with an empty body`, {
        extra: { url, status: response.status },
      });
    }
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new InvalidResponseError(
        `POST ${url} answered ${response.status} with a body that is not JSON: ${excerpt(text)}`,
        {
          cause,
          extra: { url, status: response.status },
        },
      );
    }
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

/** `client.store`: the standard store methods over HTTP (SPEC §5). */
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

  /** The record's full current state; a missing record throws `RECORD_NOT_FOUND`. Retried like every read. */
  async get<S extends AnyState>(args: { ref: Ref<S>; store?: StoreRef | null }): Promise<RefTo<S>> {
    const body = { ref: args.ref, store: storeJSON(args.store) };
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

  /** Refs to the records of a model (sub-models included) whose static fields equal `where`. Retried like every read. */
  async query<M extends AnyStateModel | string>(args: QueryArgs<M>): Promise<QueryRef<M>[]> {
    const modelName = typeof args.model === 'string' ? args.model : (args.model as AnyStateModel).modelName;
    const body = {
      query: args.where ? { property_values: args.where } : null,
      model_name: modelName,
      store: { uid: args.store.uid, name: args.store.name ?? null },
      include_states: args.includeStates ?? false,
    };
    const answer = await this.#client.call('store.query', body);
    return answer.map((item) => this.#client.resolveRef(item)) as QueryRef<M>[];
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

function encodePath(path: string): string {
  const segments = path.split('/').filter(Boolean);
  // '.' and '..' would be resolved away by URL parsing and reach another endpoint.
  if (segments.length === 0 || segments.some((segment) => segment === '.' || segment === '..')) {
    throw new ValidationError(`'${path}' is not a protocol path`, { extra: { protocol: path } });
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

function environmentToken(): string | undefined {
  return typeof process === 'undefined' ? undefined : process.env.CONSTELITE_TOKEN || undefined;
}

async function toConsteliteError(error: unknown, url: string, timeout: number | false): Promise<unknown> {
  if (isConsteliteError(error)) return error;
  if (error instanceof HTTPError) {
    const status = error.response.status;
    const text = await error.response.text().catch(() => '');
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (typeof body === 'object' && body !== null && ('code' in body || 'detail' in body)) {
      return errorFromJSON(body as Parameters<typeof errorFromJSON>[0], status);
    }
    const statusText = error.response.statusText || `HTTP ${status}`;
    return errorFromJSON(
      {
        detail: statusText,
        extra: { error_message: `POST ${url} answered ${status} ${statusText}: ${excerpt(text)}`, url },
      },
      status,
    );
  }
  if (error instanceof TimeoutError) {
    return new NetworkError(`POST ${url} did not answer within ${String(timeout)} ms`, {
      cause: error,
      extra: { url, timeoutMs: timeout },
    });
  }
  // A caller's own abort stays an AbortError: it is not a fault of the network.
  if (error instanceof Error && error.name === 'AbortError') return error;
  const reason = describeCause(error);
  return new NetworkError(`Could not reach the Constelite API at ${url}: ${reason}`, {
    cause: error,
    extra: { url },
  });
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
