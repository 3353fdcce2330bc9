import {
  type AnyStateModel,
  defaultRegistry,
  isConsteliteError,
  JobCancelledError,
  type ModelRegistry,
  ProtocolFailedError,
  type Ref,
  UnknownLoggerError,
  UnknownProtocolError,
  UnknownStoreError,
  ValidationError,
} from '@constelite/core';
import {
  type EndpointName,
  formatIssues,
  issuesJSON,
  type LoggerSelection,
  loggerSelectionSchema,
} from '@constelite/core/wire';
import type { GuidMap, Store } from '@constelite/store';
import type { ProtocolHost } from './host.js';
import {
  isJobQueue,
  type Job,
  type JobQueue,
  type JobRunContext,
  type JobSubmission,
  jobProgress,
  MemoryJobQueue,
  type MemoryJobQueueOptions,
} from './jobs/index.js';
import { consoleLogger, type Logger, type LoggerFactory } from './logger.js';
import { handleEndpoint, type OperationContext } from './operations.js';
import { type AnyProtocol, isProtocol } from './protocol.js';
import { DEFAULT_MAX_UNPAGED_RECORDS } from './queries.js';
import { checkReturned, encodeResult } from './results.js';

/** Options of `ConsteliteAPI`. */
export interface ConsteliteAPIOptions {
  /** The API's name (shown in the OpenAPI document). */
  name: string;
  /** The API's version. Default: `'0.1.0'`. */
  version?: string;
  /** The stores the API serves, looked up by uid. */
  stores: Store[];
  /**
   * Where state models returned by protocols are put, so that the caller gets a ref with a
   * record. It is served like the other stores. Default: none (the caller gets a ref carrying the state).
   */
  temporaryStore?: Store;
  /** Logger factories by name, selectable per call. `default` is a JSON-lines console logger unless given. */
  loggers?: Record<string, LoggerFactory>;
  /** The registry that resolves model names in requests. Default: the global registry. */
  registry?: ModelRegistry;
  /**
   * The most records an unpaged query (`/store/query` without `limit`) answers; a query that
   * matches more is refused with `RESULT_TOO_LARGE`, telling the caller to page. Default: 10,000.
   */
  maxUnpagedRecords?: number;
  /**
   * What a state in a store call (`/store/put`, `get`, `patch`, `delete`) may do with a field
   * its model does not define and whose value is not null: `'reject'` it (default,
   * `VALIDATION_FAILED` naming the field) or `'strip'` it, at every depth, so that clients
   * whose models have grown keep working (docs/concepts.md, "Models and states"). A null
   * value always means "not given" and is dropped.
   */
  unknownFields?: 'reject' | 'strip';
  /**
   * Where jobs go: a `JobQueue` (e.g. `BullMQJobQueue` of `@constelite/jobs-bullmq`, whose
   * workers run the jobs in other processes), or the options of the default in-memory queue
   * (docs/jobs.md, "What runs where").
   */
  jobs?: MemoryJobQueueOptions | JobQueue;
}

/** Options of one job submission. */
export interface StartJobOptions {
  /** The same key (for the same protocol) answers the job it started first instead of starting another, while that job is retained. */
  idempotencyKey?: string | null;
}

export type { LoggerSelection };

const MAX_NAMESPACE_DEPTH = 16;

/**
 * The transport-agnostic Constelite API: stores, models, protocols, jobs and loggers. A
 * transport (the Hono server, a queue worker, a CLI) turns requests into calls of its methods.
 */
export class ConsteliteAPI implements ProtocolHost {
  /** The API's name. */
  readonly name: string;
  /** The API's version. */
  readonly version: string;
  /** The stores served, by uid (the temporary store included). */
  readonly stores: ReadonlyMap<string, Store>;
  /** The temporary store, if any. */
  readonly temporaryStore: Store | null;
  /** The registry that resolves model names. */
  readonly registry: ModelRegistry;
  /** The most records an unpaged query answers. */
  readonly maxUnpagedRecords: number;
  /** What store calls do with a state's fields its model does not define (see the option). */
  readonly unknownFields: 'reject' | 'strip';
  readonly #stores = new Map<string, Store>();
  readonly #models = new Map<string, AnyStateModel>();
  readonly #protocols = new Map<string, AnyProtocol>();
  readonly #loggers: Map<string, LoggerFactory>;
  readonly #jobs: JobQueue;

  constructor(options: ConsteliteAPIOptions) {
    this.name = options.name;
    this.version = options.version ?? '0.1.0';
    this.registry = options.registry ?? defaultRegistry;
    this.maxUnpagedRecords = options.maxUnpagedRecords ?? DEFAULT_MAX_UNPAGED_RECORDS;
    this.unknownFields = options.unknownFields ?? 'reject';
    this.temporaryStore = options.temporaryStore ?? null;
    for (const store of [...options.stores, ...(this.temporaryStore ? [this.temporaryStore] : [])]) {
      const existing = this.#stores.get(store.uid);
      if (existing && existing !== store) {
        throw new ValidationError(
          `Stores '${existing.name}' and '${store.name}' share the uid ${store.uid}; every store of an API needs its own uid`,
          { extra: { store: store.uid } },
        );
      }
      this.#stores.set(store.uid, store);
    }
    this.stores = this.#stores;
    this.#loggers = new Map(Object.entries({ default: consoleLogger(), ...options.loggers }));
    this.#jobs = isJobQueue(options.jobs) ? options.jobs : new MemoryJobQueue(options.jobs);
    this.#jobs.bind({
      name: this.name,
      run: (submission, context) => this.runJob(submission, context),
      logger: this.getLogger(),
    });
  }

  /**
   * Handles one call of an endpoint of the endpoint table (`@constelite/core/wire`): validates
   * `body` with the endpoint's schema, runs its operation and answers the JSON-ready result.
   * Every transport (the HTTP server, a job worker, a CLI) calls this and nothing else.
   */
  handle(endpoint: EndpointName, body: unknown, context: OperationContext = {}): Promise<unknown> {
    return handleEndpoint(this, endpoint, body, context);
  }

  /** The store with this uid; `UnknownStoreError` naming the uid when the API has none. */
  getStore(uid: string): Store {
    const store = this.#stores.get(typeof uid === 'string' ? uid.toLowerCase() : uid);
    if (!store) {
      const known = [...this.#stores.values()].map((s) => `${s.uid} (${s.name})`).join(', ');
      throw new UnknownStoreError(
        `API ${this.name} has no store with uid '${uid}'; it has: ${known || 'none'}`,
        {
          extra: { store: uid },
        },
      );
    }
    return store;
  }

  /** The current state of the ref's record, read from the ref's store. */
  async getState<S extends Ref>(target: S): Promise<S> {
    if (!target.record) {
      throw new ValidationError(
        `getState needs a ref with a record; this ${target.state_model_name} ref has none`,
        {
          extra: { model: target.state_model_name },
        },
      );
    }
    return (await this.getStore(target.record.store.uid).get(target)) as S;
  }

  /** Registers every state model found in `namespace` (a module namespace or object; nested ones too). */
  discoverModels(namespace: object): void {
    walk(namespace, [], new Set(), (value) => {
      if (!isStateModel(value)) return false;
      this.registry.register(value);
      this.#models.set(value.modelName, value);
      return true;
    });
  }

  /** The models registered through `discoverModels`. */
  get models(): readonly AnyStateModel[] {
    return [...this.#models.values()];
  }

  /**
   * Serves every protocol found in `namespace`: the export key is the slug, nested namespaces
   * become path segments (`{ cats: { herd_a_cat } }` → `cats/herd_a_cat`), all under `bindPath`.
   */
  discoverProtocols(namespace: object, bindPath = ''): void {
    const prefix = bindPath.split('/').filter(Boolean);
    walk(namespace, prefix, new Set(), (value, path) => {
      if (!isProtocol(value)) return false;
      const slug = path.join('/');
      if (!/^[\w.~-]+(\/[\w.~-]+)*$/.test(slug)) {
        throw new ValidationError(
          `Protocol '${value.name}' cannot be served at '${slug}': use URL-safe export keys`,
        );
      }
      this.#protocols.set(slug, value);
      return true;
    });
  }

  /** The protocols served, by path. */
  get protocols(): ReadonlyMap<string, AnyProtocol> {
    return this.#protocols;
  }

  /** The protocol at `path`; `UnknownProtocolError` when there is none. */
  getProtocol(path: string): AnyProtocol {
    const found = this.#protocols.get(path);
    if (!found) {
      throw new UnknownProtocolError(`API ${this.name} serves no protocol at '${path}'`, {
        extra: { protocol: path },
      });
    }
    return found;
  }

  /**
   * Enables guids on every store of the API: each keeps its own, with its records
   * (`Store.enableGuids()`, docs/concepts.md, "Guids"), or all share `guidMap` when one is given.
   */
  enableGuid(guidMap?: GuidMap): void {
    for (const store of this.#stores.values()) store.enableGuids(guidMap);
  }

  /** The names of the logger factories. */
  get loggerNames(): string[] {
    return [...this.#loggers.keys()];
  }

  /**
   * Runs the protocol at `path` with `args` (validated first: `VALIDATION_FAILED` naming the
   * field). Returns the JSON-ready result: a state model becomes a Ref (put into the temporary
   * store when there is one), nothing becomes `null`. A protocol that throws an unexpected
   * error fails with `PROTOCOL_FAILED` (typed Constelite client errors pass through).
   */
  async runProtocol(path: string, args: unknown, logger?: LoggerSelection | null): Promise<unknown> {
    return (await this.#prepare(path, args, logger))();
  }

  /**
   * Submits the protocol at `path` as a job after validating `path`, `args` and the logger,
   * and returns the `submitted` job (`state: 'queued'`); `fetchJob` tells how it ends. The
   * job queue may refuse it: `JOBS_FULL` when it holds as many jobs as it admits,
   * `PAYLOAD_TOO_LARGE` for arguments larger than it keeps.
   */
  async startJob(
    path: string,
    args: unknown,
    logger?: LoggerSelection | null,
    options: StartJobOptions = {},
  ): Promise<Job> {
    await this.#prepare(path, args, logger);
    return this.#jobs.submit({
      path,
      args: (args ?? {}) as Record<string, unknown>,
      logger: logger ?? null,
      idempotencyKey: options.idempotencyKey ?? null,
    });
  }

  /** The job as it is now; `UNKNOWN_JOB` when it never existed or expired. */
  fetchJob(uid: string): Promise<Job> {
    return this.#jobs.fetch(uid);
  }

  /**
   * Cancels the job: a queued job never runs, a running one has its protocol's `signal`
   * aborted, and the job reads `failed` with `error_code: 'JOB_CANCELLED'` at once. A
   * finished job is answered unchanged; `UNKNOWN_JOB` when it never existed or expired.
   */
  cancelJob(uid: string): Promise<Job> {
    return this.#jobs.cancel(uid);
  }

  /** The job queue the API submits to. */
  get jobQueue(): JobQueue {
    return this.#jobs;
  }

  /**
   * Runs one job's protocol in this process and answers its JSON-ready result: what a job
   * queue (the in-memory one, or a worker of `@constelite/jobs-bullmq`) calls. Every log line
   * carries the protocol path and the job uid; a failure is logged at error level with its
   * code and rejects with it; a cancelled job rejects with `JOB_CANCELLED` as soon as its
   * signal aborts, whether or not the protocol stops.
   */
  async runJob(submission: JobSubmission, context: JobRunContext): Promise<unknown> {
    let work: () => Promise<unknown>;
    try {
      work = await this.#prepare(submission.path, submission.args, submission.logger, context);
    } catch (error) {
      // Validated when it was submitted; failing now means this process serves other protocols or models.
      const code = isConsteliteError(error) ? error.code : 'INTERNAL_ERROR';
      this.getLogger().error(error instanceof Error ? error.message : String(error), {
        code,
        protocol: submission.path,
        job: context.uid,
      });
      throw error;
    }
    return work();
  }

  /** The logger the selection names (`default` when none); `UnknownLoggerError` otherwise. */
  getLogger(selection?: LoggerSelection | null): Logger {
    let name = 'default';
    let kwargs: Record<string, unknown> = {};
    if (selection !== null && selection !== undefined) {
      const parsed = loggerSelectionSchema.safeParse(selection);
      if (!parsed.success) {
        throw new ValidationError(`Invalid logger selection: ${formatIssues(parsed.error)}`, {
          extra: { issues: issuesJSON(parsed.error) },
        });
      }
      name = parsed.data.logger_name;
      kwargs = parsed.data.logger_kwargs ?? {};
    }
    const factory = this.#loggers.get(name);
    if (!factory) {
      throw new UnknownLoggerError(
        `API ${this.name} has no logger named '${name}'; it has: ${this.loggerNames.join(', ')}`,
        { extra: { logger: name } },
      );
    }
    return factory(kwargs);
  }

  /** Checks everything a call needs before it runs, so that bad input fails before a job starts. */
  async #prepare(
    path: string,
    args: unknown,
    selection?: LoggerSelection | null,
    job?: JobRunContext,
  ): Promise<() => Promise<unknown>> {
    const target = this.getProtocol(path);
    const parsed = await target.args.safeParseAsync(args ?? {});
    if (!parsed.success) {
      throw new ValidationError(`Invalid arguments of protocol '${path}': ${formatIssues(parsed.error)}`, {
        extra: { protocol: path, issues: issuesJSON(parsed.error) },
      });
    }
    const logger = withFields(
      this.getLogger(selection),
      job ? { protocol: path, job: job.uid } : { protocol: path },
    );
    const signal = job?.signal ?? new AbortController().signal;
    const context = {
      api: this as ProtocolHost,
      logger,
      args: parsed.data,
      signal,
      job: job ? { uid: job.uid, attempt: job.attempt } : null,
      progress: (fraction: number | null, message?: string | null): void =>
        job?.progress(jobProgress(fraction, message)),
    };
    return async () => {
      let output: unknown;
      try {
        const returned = await untilAborted((async () => target.run(context))(), signal);
        output = await checkReturned(target.returns, returned, this.registry);
        return await encodeResult(output, this.registry, this.temporaryStore);
      } catch (error) {
        if (job && signal.aborted) {
          const cancelled = new JobCancelledError(`Job ${job.uid} of protocol '${path}' was cancelled`, {
            extra: { protocol: path, uid: job.uid },
          });
          logger.warn(cancelled.message, { code: cancelled.code });
          throw cancelled;
        }
        const failure = protocolFailure(path, error);
        logger.error(failure.message, { code: failure.code, cause_code: failure.extra.cause_code ?? null });
        throw failure;
      }
    };
  }
}

/**
 * Settles with `work`, or rejects as soon as `signal` aborts: a cancelled job ends at once even
 * when its protocol ignores the signal (the protocol's late outcome is dropped).
 */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    work.catch(() => {});
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      work.catch(() => {});
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function isZodError(error: unknown): error is { issues: { path: PropertyKey[]; message: string }[] } {
  return (
    error instanceof Error &&
    error.name === 'ZodError' &&
    Array.isArray((error as { issues?: unknown }).issues)
  );
}

/** A logger that adds `fields` to every line (the logger's own fields still win). */
function withFields(logger: Logger, fields: Record<string, unknown>): Logger {
  const wrap =
    (level: keyof Logger) =>
    (message: string, own?: Record<string, unknown>): void =>
      logger[level](message, { ...own, ...fields });
  return { debug: wrap('debug'), info: wrap('info'), warn: wrap('warn'), error: wrap('error') };
}

/**
 * A protocol's own failure is the server's fault, whatever the protocol threw: 500
 * `PROTOCOL_FAILED` naming the protocol, with the original code in `extra.cause_code` (a store
 * error inside a protocol is never answered as the caller's fault).
 */
function protocolFailure(path: string, error: unknown): ProtocolFailedError {
  if (isConsteliteError(error) && error.code === 'PROTOCOL_FAILED') return error as ProtocolFailedError;
  const message = isZodError(error)
    ? `its result does not match its 'returns' schema: ${formatIssues(error)}`
    : error instanceof Error
      ? error.message
      : String(error);
  return new ProtocolFailedError(`Protocol '${path}' failed: ${message}`, {
    cause: error,
    extra: {
      protocol: path,
      ...(error instanceof Error && error.stack ? { traceback: error.stack } : {}),
      ...(isConsteliteError(error) ? { cause_code: error.code } : {}),
    },
  });
}

function isStateModel(value: unknown): value is AnyStateModel {
  return (
    typeof value === 'function' &&
    typeof (value as { modelName?: unknown }).modelName === 'string' &&
    typeof (value as { isSubModelOf?: unknown }).isSubModelOf === 'function' &&
    typeof (value as { fields?: unknown }).fields === 'object'
  );
}

/** Visits the values of a namespace; recurses into plain objects that `visit` did not take. */
function walk(
  namespace: object,
  path: string[],
  seen: Set<object>,
  visit: (value: unknown, path: string[]) => boolean,
): void {
  if (seen.has(namespace) || path.length > MAX_NAMESPACE_DEPTH) return;
  seen.add(namespace);
  for (const [key, value] of Object.entries(namespace)) {
    const at = [...path, key];
    if (visit(value, at)) continue;
    if (typeof value === 'object' && value !== null && isNamespace(value)) walk(value, at, seen, visit);
  }
}

function isNamespace(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}
