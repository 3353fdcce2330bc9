import { ConsteliteAPI, type ConsteliteAPIOptions, StreamedList } from '@constelite/api';
import {
  type ConsteliteError,
  type ErrorBody,
  InternalError,
  isConsteliteError,
  NotFoundError,
  Ref,
  UnauthorizedError,
} from '@constelite/core';
import { type EndpointName, endpointNames, endpoints } from '@constelite/core/wire';
import { type Context, Hono } from 'hono';
import { cors } from 'hono/cors';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { readJsonBody } from './body.js';
import { docsRoutes } from './docs.js';
import { buildOpenAPI } from './openapi.js';

/** Options of hono's CORS middleware. */
export type CorsOptions = NonNullable<Parameters<typeof cors>[0]>;

/** Options of `HonoAPI`: those of every API plus the HTTP transport's. */
export interface HonoAPIOptions extends ConsteliteAPIOptions {
  /** Require `Authorization: Bearer <token>` on every endpoint except the docs. Default: no auth. */
  auth?: { token: string };
  /** The largest request body accepted, in bytes; larger ones answer 400 `PAYLOAD_TOO_LARGE`. Default: 1 MiB. */
  bodyLimit?: number;
  /** CORS headers (hono's `cors()` options). Default: `false`, no CORS headers. */
  cors?: CorsOptions | false;
  /** Leave tracebacks out of 500 answers. Default: `process.env.NODE_ENV === 'production'`. */
  production?: boolean;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/**
 * The Hono HTTP transport of a Constelite API (docs/concepts.md, "The wire protocol"): every
 * endpoint of the endpoint table is a POST answering 201 with JSON, and errors answer
 * `{detail, code, status, extra: {error_message}}`. The transport reads bodies, checks the
 * token, adds CORS headers and maps errors; everything else is the API's `handle`.
 *
 * ```ts
 * const api = new HonoAPI({ name: 'Alpha', stores: [store] });
 * api.discoverProtocols(protocols);
 * api.discoverModels(models);
 * export default api.app; // any Hono runtime; on Node: `run(api, 'localhost', 8001)` from '@constelite/server/node'
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
      let body: ErrorBody = failure.toJSON();
      if (failure.status >= 500) {
        const requestId = crypto.randomUUID();
        this.getLogger().error(failure.message, {
          code: failure.code,
          path: c.req.path,
          request_id: requestId,
          ...failure.extra,
        });
        c.header('X-Request-Id', requestId);
        // A server fault's message may name hosts, files, schemas or SQL: in production it stays in the log.
        body = production
          ? serverFaultBody(failure, requestId)
          : { ...body, extra: { ...body.extra, request_id: requestId } };
      } else if (production) {
        delete body.extra.traceback;
      }
      return c.json(body, failure.status as ContentfulStatusCode);
    });
    app.notFound((c) => {
      const error = new NotFoundError(`No route ${c.req.method} ${c.req.path}`, {
        extra: { path: c.req.path },
      });
      return c.json(error.toJSON(), 404);
    });

    if (this.#options.cors) app.use('*', cors(this.#options.cors));

    docsRoutes(app, { openapi: () => this.openapi() });

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
    for (const name of endpointNames) this.#route(app, name, limit);

    this.#app = app;
    return app;
  }

  /** The app: the last one `generateApp` built (built on first use). */
  get app(): Hono {
    return this.#app ?? this.generateApp();
  }

  /** The OpenAPI 3.1 document of the API, as served at `/schema/openapi.json`. */
  openapi(): ReturnType<typeof buildOpenAPI> {
    return buildOpenAPI(this, { auth: this.#options.auth !== undefined });
  }

  /** Serves one endpoint of the table: a prefix endpoint at `<path>*`, with the rest of the path as the protocol path. */
  #route(app: Hono, name: EndpointName, limit: number): void {
    const endpoint = endpoints[name];
    const prefix = endpoint.match === 'prefix';
    app.post(prefix ? `${endpoint.path}*` : endpoint.path, async (c) => {
      const protocolPath = prefix ? c.req.path.slice(endpoint.path.length) : undefined;
      // An unknown protocol is reported before its body is read.
      if (protocolPath !== undefined) this.getProtocol(protocolPath);
      const body = await readJsonBody(c, limit);
      const result = await this.handle(name, body, protocolPath === undefined ? {} : { protocolPath });
      return created(c, result);
    });
  }
}

/** What a client sees of a server fault in production: the code, a generic message and the request id. */
function serverFaultBody(failure: ConsteliteError, requestId: string): ErrorBody {
  return {
    detail: failure.detail,
    code: failure.code,
    status: failure.status,
    extra: {
      error_message: `${failure.detail}: the server logged the details under request id ${requestId}`,
      request_id: requestId,
      // Which protocol failed is the caller's own information, and so is the code of the cause.
      ...(typeof failure.extra.protocol === 'string' ? { protocol: failure.extra.protocol } : {}),
      ...(typeof failure.extra.cause_code === 'string' ? { cause_code: failure.extra.cause_code } : {}),
    },
  };
}

/** The headers of every answer; Hono and the Node adapter copy them, never change them. */
const JSON_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'Content-Type': 'application/json' });

function created(c: Context, value: unknown): Response {
  if (value instanceof StreamedList) return c.body(jsonArrayStream(value.items), 201, JSON_HEADERS);
  // A Ref (most answers) is serialised from its wire form directly, not through its field proxy.
  const json = value instanceof Ref ? value.toJSON() : (value ?? null);
  return c.body(JSON.stringify(json), 201, JSON_HEADERS);
}

/**
 * A JSON array written item by item as the reader takes it (pull: nothing is produced ahead of
 * a reader that stops reading), so a large answer is never held whole. A failure half-way
 * aborts the answer, which the client then reports as a broken answer, not a short list.
 */
const schedule: (run: () => void) => void =
  typeof globalThis.setImmediate === 'function' ? (run) => setImmediate(run) : (run) => setTimeout(run, 0);

/**
 * Every streamed answer of the process takes its turn here: one chunk of one answer per turn of
 * the event loop, whatever the number of answers. So the loop returns to its I/O between any two
 * chunks, and a small request is answered promptly while many long answers are being written
 * (with one turn per answer instead, 50 answers meant 50 chunks of encoding before any other
 * request could move on). The server README's "Large answers" says what a caller can rely on.
 */
const encodingTurns = {
  waiting: [] as Array<() => void>,
  scheduled: false,
  next(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) {
        this.scheduled = true;
        schedule(() => this.grant());
      }
    });
  },
  grant(): void {
    const turn = this.waiting.shift();
    turn?.();
    if (this.waiting.length > 0) schedule(() => this.grant());
    else this.scheduled = false;
  },
};

function jsonArrayStream(items: AsyncIterable<unknown>): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = items[Symbol.asyncIterator]();
  let first = true;
  let cancelled = false;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // One chunk per turn of the event loop across all answers: long answers take turns with
        // each other and with every other request, instead of holding the loop until their sockets are full.
        await encodingTurns.next();
        // A client that went away while this answer waited for its turn gets nothing more encoded.
        if (cancelled) return;
        let chunk = first ? '[' : '';
        // Batch small items into one chunk of up to ~64 KiB, so that a long list is not one write per item.
        while (chunk.length < 65_536) {
          const next = await iterator.next();
          if (next.done) {
            controller.enqueue(encoder.encode(`${chunk}]`));
            controller.close();
            return;
          }
          chunk += `${first ? '' : ','}${JSON.stringify(next.value ?? null)}`;
          first = false;
        }
        controller.enqueue(encoder.encode(chunk));
      },
      async cancel() {
        cancelled = true;
        await iterator.return?.();
      },
    },
    { highWaterMark: 1 },
  );
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
