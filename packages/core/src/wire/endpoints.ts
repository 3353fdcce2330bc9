import { z } from 'zod';
import {
  countBodySchema,
  getBodySchema,
  jobFetchBodySchema,
  jobSchema,
  protocolBodySchema,
  queryBodySchema,
  queryPageBodySchema,
  refBodySchema,
  refSchema,
} from './schemas.js';

/**
 * The endpoint table: every HTTP endpoint of a Constelite API, once. The server's routes, the
 * OpenAPI document and the client's calls are all derived from it; adding an endpoint is one
 * entry here plus its operation in `@constelite/api` (docs/architecture.md, "Adding an endpoint").
 */

/** Whether a call only reads (and so may be retried) or may write. */
export type EndpointKind = 'read' | 'write';

/** One endpoint: where it is served, what it takes and answers, and how the docs describe it. */
export interface EndpointDefinition<B extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  /** The URL path, e.g. `/store/put`. For a `prefix` endpoint, the part before the protocol path. */
  readonly path: string;
  /** `exact`: the path itself; `prefix`: the path followed by a protocol path (`/protocols/<path>`). */
  readonly match: 'exact' | 'prefix';
  /** A read is safe to repeat (the client retries it); a write is not. */
  readonly kind: EndpointKind;
  /** The request body. */
  readonly body: B;
  /** The answer's body (status 201). */
  readonly result: R;
  /** One line for the API reference. */
  readonly summary: string;
  /** The API reference's group. */
  readonly tag: 'store' | 'protocols' | 'jobs';
}

function endpoint<B extends z.ZodType, R extends z.ZodType>(
  definition: EndpointDefinition<B, R>,
): EndpointDefinition<B, R> {
  return Object.freeze(definition);
}

/** Every endpoint, by name. Exact paths come before the prefix paths they could be mistaken for. */
export const endpoints = {
  'store.put': endpoint({
    path: '/store/put',
    match: 'exact',
    kind: 'write',
    body: refBodySchema,
    result: refSchema,
    summary: 'Create a record, or overwrite the given fields of one',
    tag: 'store',
  }),
  'store.get': endpoint({
    path: '/store/get',
    match: 'exact',
    kind: 'read',
    body: getBodySchema,
    result: refSchema,
    summary: "Read a record's full state",
    tag: 'store',
  }),
  'store.patch': endpoint({
    path: '/store/patch',
    match: 'exact',
    kind: 'write',
    body: refBodySchema,
    result: refSchema,
    summary: 'Overwrite static fields, append dynamic points and members',
    tag: 'store',
  }),
  'store.delete': endpoint({
    path: '/store/delete',
    match: 'exact',
    kind: 'write',
    body: refBodySchema,
    result: z.null(),
    summary: 'Delete a record, its composition members and links to it',
    tag: 'store',
  }),
  'store.query': endpoint({
    path: '/store/query',
    match: 'exact',
    kind: 'read',
    body: queryBodySchema,
    result: z.array(refSchema),
    summary:
      'Refs to the records of a model that meet the conditions, sorted, at most limit (or the unpaged maximum)',
    tag: 'store',
  }),
  'store.queryPage': endpoint({
    path: '/store/query_page',
    match: 'exact',
    kind: 'read',
    body: queryPageBodySchema,
    result: z.strictObject({ refs: z.array(refSchema), next_cursor: z.string().nullable() }),
    summary: 'One page of a query and the cursor of the next (null after the last)',
    tag: 'store',
  }),
  'store.count': endpoint({
    path: '/store/count',
    match: 'exact',
    kind: 'read',
    body: countBodySchema,
    result: z.number().int().nonnegative(),
    summary: 'How many records of a model meet the conditions',
    tag: 'store',
  }),
  'jobs.fetch': endpoint({
    path: '/jobs/fetch',
    match: 'exact',
    kind: 'read',
    body: jobFetchBodySchema,
    result: jobSchema,
    summary: 'The current status, result or error of a job',
    tag: 'jobs',
  }),
  'jobs.cancel': endpoint({
    path: '/jobs/cancel',
    match: 'exact',
    kind: 'write',
    body: jobFetchBodySchema,
    result: jobSchema,
    summary: 'Cancel a job that has not finished (it then reads failed, error_code JOB_CANCELLED)',
    tag: 'jobs',
  }),
  'protocols.run': endpoint({
    path: '/protocols/',
    match: 'prefix',
    kind: 'write',
    body: protocolBodySchema,
    result: z.unknown(),
    summary: 'Run a protocol and answer its result',
    tag: 'protocols',
  }),
  'jobs.start': endpoint({
    path: '/jobs/',
    match: 'prefix',
    kind: 'write',
    body: protocolBodySchema,
    result: jobSchema,
    summary: 'Start a protocol as a background job and answer the submitted job',
    tag: 'jobs',
  }),
} as const;

/** The name of an endpoint of the table. */
export type EndpointName = keyof typeof endpoints;

/** The body type of endpoint `N` as a caller writes it. */
export type EndpointBody<N extends EndpointName> = z.input<(typeof endpoints)[N]['body']>;

/** The answer type of endpoint `N` as it travels. */
export type EndpointResult<N extends EndpointName> = z.output<(typeof endpoints)[N]['result']>;

/** The endpoints in routing order (exact paths first). */
export const endpointNames = Object.keys(endpoints) as EndpointName[];
