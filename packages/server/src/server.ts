import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConsteliteAPI, type ConsteliteAPIOptions } from '@constelite/api';
import {
  ConsteliteError,
  type ErrorBody,
  InternalError,
  isConsteliteError,
  PayloadTooLargeError,
  type Ref,
  UnauthorizedError,
  ValidationError,
} from '@constelite/core';
import type { Store } from '@constelite/store';
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { z } from 'zod';
import { renderDocs } from './docs.js';
import { buildOpenAPI } from './openapi.js';
import {
  jobFetchBodySchema,
  protocolBodySchema,
  queryBodySchema,
  recordRefBodySchema,
  refBodySchema,
} from './schemas.js';

/** Options of hono's CORS middleware. */
export type CorsOptions = NonNullable<Parameters<typeof cors>[0]>;

/** Options of `HonoAPI`: those of every API plus the HTTP transport's. */
export interface HonoAPIOptions extends ConsteliteAPIOptions {
  /** Require `Authorization: Bearer <token>` on every endpoint except the docs. Default: no auth. */
  auth?: { token: string };
  /** The largest request body accepted, in bytes; larger ones answer 413. Default: 1 MiB. */
  bodyLimit?: number;
  /** CORS headers (hono's `cors()` options). Default: `false`, no CORS headers. */
  cors?: CorsOptions | false;
  /** Leave tracebacks out of 500 answers. Default: `process.env.NODE_ENV === 'production'`. */
  production?: boolean;
}

/** A running server, from `HonoAPI.run`. */
export interface RunningServer {
  /** The URL the server answers at (with the real port when 0 was asked). */
  url: string;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

/** The deepest JSON a request body may nest; deeper bodies are rejected before anything walks them. */
export const MAX_JSON_DEPTH = 128;

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The Hono HTTP transport of a Constelite API (SPEC §5): every endpoint is POST, answers 201
 * with JSON, and errors answer `{detail, code, status, extra: {error_message}}`.
 *
 * ```ts
 * const api = new HonoAPI({ name: 'Alpha', stores: [store] });
 * api.discoverProtocols(protocols);
 * api.discoverModels(models);
 * await api.run('localhost', 8001);
 * ```
 */
export class HonoAPI extends ConsteliteAPI {
  readonly #options: HonoAPIOptions;
  #app: Hono | null = null;

  constructor(options: HonoAPIOptions) {
    super(options);
    this.#options = options;
  }

  /** Whether tracebacks are left out of error answers. */
  get production(): boolean {
    return this.#options.production ?? globalThis.process?.env?.NODE_ENV === 'production';
  }

  /**
   * Builds the Hono app serving the API. It runs on any Hono runtime (`app.fetch`) and can be
   * tested without a port through `app.request`. Protocols discovered later are served too.
   */
  generateApp(): Hono {
    const app = new Hono();
    const production = this.production;
    const token = this.#options.auth?.token;

    app.onError((error, c) => {
      const failure = toConsteliteError(error, `${c.req.method} ${c.req.path}`);
      const body: ErrorBody = failure.toJSON();
      if (production) delete body.extra.traceback;
      if (failure.status >= 500) {
        this.getLogger().error(failure.message, { code: failure.code, path: c.req.path });
      }
      return c.json(body, failure.status as ContentfulStatusCode);
    });
    app.notFound((c) => {
      const error = new ConsteliteError('NOT_FOUND', 404, `No route ${c.req.method} ${c.req.path}`, {
        detail: 'Not found',
        extra: { path: c.req.path },
      });
      return c.json(error.toJSON(), 404);
    });

    if (this.#options.cors) app.use('*', cors(this.#options.cors));

    app.get('/schema/openapi.json', (c) => c.json(this.openapi()));
    app.get('/schema', (c) => c.html(renderDocs(this.openapi(), '/schema/openapi.json')));

    if (token !== undefined) {
      const expected = `Bearer ${token}`;
      app.use('*', async (c, next) => {
        if (!constantTimeEqual(c.req.header('authorization') ?? '', expected)) {
          throw new UnauthorizedError(
            `${c.req.method} ${c.req.path} needs the header 'Authorization: Bearer <token>' with the API's token`,
          );
        }
        await next();
      });
    }
    const limit = this.#options.bodyLimit ?? DEFAULT_BODY_LIMIT;
    const readBody = <S extends z.ZodType>(c: Context, schema: S) => readJsonBody(c, schema, limit);

    app.post('/store/put', async (c) => {
      const body = await readBody(c, refBodySchema);
      const target = this.registry.resolveRef(body.ref);
      return created(c, await this.#storeFor(target, body.store?.uid, 'put').put(target));
    });
    app.post('/store/get', async (c) => {
      const body = await readBody(c, refBodySchema);
      const target = this.registry.resolveRef(body.ref);
      return created(c, await this.#storeFor(target, body.store?.uid, 'get').get(target));
    });
    app.post('/store/patch', async (c) => {
      const body = await readBody(c, recordRefBodySchema);
      const target = this.registry.resolveRef(body.ref);
      return created(c, await this.#storeFor(target, body.store?.uid, 'patch').patch(target));
    });
    app.post('/store/delete', async (c) => {
      const body = await readBody(c, recordRefBodySchema);
      const target = this.registry.resolveRef(body.ref);
      await this.#storeFor(target, body.store?.uid, 'delete').delete(target);
      return created(c, null);
    });
    app.post('/store/query', async (c) => {
      const body = await readBody(c, queryBodySchema);
      const model = this.registry.get(body.model_name);
      const store = this.getStore(body.store.uid);
      const where: Record<string, unknown> = {};
      // null means "not given" on the wire (the Python client sends unset fields as null).
      for (const [field, value] of Object.entries(body.query?.property_values ?? {})) {
        if (value !== null && value !== undefined) where[field] = value;
      }
      return created(c, await store.query({ model, where, includeStates: body.include_states ?? false }));
    });
    app.post('/jobs/fetch', async (c) => {
      const body = await readBody(c, jobFetchBodySchema);
      return created(c, this.fetchJob(typeof body.job === 'string' ? body.job : body.job.uid));
    });
    app.post('/protocols/*', async (c) => {
      const path = c.req.path.slice('/protocols/'.length);
      this.getProtocol(path);
      const body = await readBody(c, protocolBodySchema);
      return created(c, await this.runProtocol(path, body.args ?? {}, body.logger));
    });
    app.post('/jobs/*', async (c) => {
      const path = c.req.path.slice('/jobs/'.length);
      this.getProtocol(path);
      const body = await readBody(c, protocolBodySchema);
      return created(c, await this.startJob(path, body.args ?? {}, body.logger));
    });

    this.#app = app;
    return app;
  }

  /** The app `run` serves: the last one `generateApp` built (built on first use). */
  get app(): Hono {
    return this.#app ?? this.generateApp();
  }

  /** The OpenAPI 3.1 document of the API, as served at `/schema/openapi.json`. */
  openapi(): ReturnType<typeof buildOpenAPI> {
    return buildOpenAPI(this, { auth: this.#options.auth !== undefined });
  }

  /**
   * Serves the app on Node at `host:port` (port 0 picks a free one). SIGINT and SIGTERM close
   * the server gracefully: no new connections, in-flight requests finish, then the signal's
   * default action runs (unless the application listens for it too).
   */
  async run(host: string, port: number): Promise<RunningServer> {
    const app = this.app;
    const server = await new Promise<Server>((resolve, reject) => {
      const created = serve({ fetch: app.fetch, hostname: host, port }, () => resolve(created as Server));
      created.once('error', reject);
    });
    const { port: actual } = server.address() as AddressInfo;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
    let closed: Promise<void> | null = null;
    const close = (): Promise<void> => {
      closed ??= new Promise<void>((resolve, reject) => {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        // Requests still arriving on kept-alive sockets are answered, then their socket closes.
        server.on('request', (_request, response) => response.setHeader('Connection', 'close'));
        // Sockets of in-flight requests turn idle once answered: close them then, not at the keep-alive timeout.
        const sweep = setInterval(() => server.closeIdleConnections(), 25);
        server.close((error) => {
          clearInterval(sweep);
          if (error) reject(error);
          else resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      close().then(
        () => {
          // Our listener replaced the default action; once drained, let the signal do what it would have done.
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        },
        (error: unknown) => {
          this.getLogger().error(`Closing ${url} failed: ${String(error)}`);
          process.exitCode = 1;
        },
      );
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return { url, close };
  }

  #storeFor(target: Ref, storeUid: string | undefined, method: string): Store {
    const uid = storeUid ?? target.record?.store.uid;
    if (uid === undefined) {
      throw new ValidationError(
        `store/${method} of a ${target.state_model_name} ref without a record needs 'store': {uid} in the body`,
        { extra: { model: target.state_model_name } },
      );
    }
    return this.getStore(uid);
  }
}

/**
 * Reads the body as text, refusing more than `limit` bytes. A declared Content-Length is checked
 * before anything is read (and Node holds the body to it); a chunked body is read up to the limit.
 */
async function readText(c: Context, limit: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && c.req.header('transfer-encoding') === undefined) {
    if (Number(declared) > limit) throw tooLarge(c, limit);
    // Hono's node adapter reads a sized body straight from the socket, without a web stream.
    return c.req.text();
  }
  const body = c.req.raw.body;
  if (!body) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw tooLarge(c, limit);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

function tooLarge(c: Context, limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(`The body of ${c.req.method} ${c.req.path} is larger than ${limit} bytes`, {
    extra: { limit },
  });
}

/** Reads the body as JSON whatever the Content-Type says (the Python client sends none) and validates it. */
async function readJsonBody<S extends z.ZodType>(c: Context, schema: S, limit: number): Promise<z.output<S>> {
  const text = await readText(c, limit);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(
      `The body of POST ${c.req.path} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      { detail: 'Malformed JSON' },
    );
  }
  if (exceedsDepth(json, MAX_JSON_DEPTH)) {
    throw new ValidationError(`The body of POST ${c.req.path} nests deeper than ${MAX_JSON_DEPTH} levels`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) =>
      issue.path.length ? `field '${issue.path.join('.')}': ${issue.message}` : issue.message,
    );
    throw new ValidationError(`Invalid body of POST ${c.req.path}: ${issues.join('; ')}`, {
      extra: { issues: parsed.error.issues.map(({ path, message }) => ({ path, message })) },
    });
  }
  return parsed.data;
}

function created(c: Context, value: unknown): Response {
  return c.body(JSON.stringify(value ?? null), 201, { 'Content-Type': 'application/json' });
}

/** Walks the JSON without recursion, so that a hostile body cannot overflow the stack. */
function exceedsDepth(json: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[json, 0]];
  while (stack.length > 0) {
    const [value, depth] = stack.pop() as [unknown, number];
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= limit) return true;
    for (const child of Array.isArray(value) ? value : Object.values(value)) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

function toConsteliteError(error: unknown, where: string): ConsteliteError {
  if (isConsteliteError(error) && typeof (error as { toJSON?: unknown }).toJSON === 'function') return error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(`Unexpected fault in ${where}: ${message}`, {
    cause: error,
    extra: error instanceof Error && error.stack ? { traceback: error.stack } : {},
  });
}

function constantTimeEqual(given: string, expected: string): boolean {
  let difference = given.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) {
    difference |= (given.charCodeAt(i) || 0) ^ expected.charCodeAt(i);
  }
  return difference === 0;
}
