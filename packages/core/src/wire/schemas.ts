import { z } from 'zod';
import type {
  EqualityOperators,
  OrderedOperators,
  RelationshipCondition,
  StringOperators,
} from '../query.js';

/**
 * The zod schemas of every object on the wire (docs/concepts.md, "The wire protocol"). They
 * are the one definition of the JSON shapes: the API validates request bodies with them, the
 * server's OpenAPI document is generated from them and the client checks answers with them.
 * Envelopes reject unknown keys (a misspelt member is an error, never a silent no-op); a
 * state inside a ref is left to the model its `model_name` names.
 */

/** A version-4 UUID, the form of store uids, guids and job uids (what the Python client requires). */
export const uuid4Schema = z.uuidv4();

/**
 * A record uid: any non-empty string without control characters (stores other than ours may
 * use their own ids), at most 256 characters.
 */
export const recordUidSchema = z
  .string()
  .min(1, 'a record uid cannot be empty')
  .max(256)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'a record uid cannot contain control characters')
  .refine((uid) => uid.trim() === uid, 'a record uid cannot start or end with white space');

type EnvelopeMode = 'strict' | 'strip';

function envelope<S extends z.ZodRawShape>(shape: S, mode: EnvelopeMode) {
  return mode === 'strict' ? z.strictObject(shape) : z.object(shape);
}

/** A store as a request or record names it. `model_name` is what the Python client's base model adds. */
function storeEnvelope(mode: EnvelopeMode) {
  return envelope({ uid: z.string(), name: z.string().nullish(), model_name: z.string().nullish() }, mode);
}

/** Where a record lives: its store, its uid there and an optional URL. */
function recordEnvelope(mode: EnvelopeMode) {
  return envelope(
    {
      store: storeEnvelope(mode),
      uid: recordUidSchema,
      url: z.string().nullish(),
      model_name: z.string().nullish(),
    },
    mode,
  );
}

/**
 * A state on the wire: any JSON object with its model's name, validated by that model. It is
 * checked, never copied: a copy would turn a `__proto__` key into the copy's prototype and so
 * drop it before the model could reject it (docs/concepts.md, "Hostile input").
 */
export const stateSchema = z.custom<{ model_name: string; [field: string]: unknown }>(
  (value) =>
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { model_name?: unknown }).model_name === 'string',
  { message: 'a state must be a JSON object with a string model_name' },
);

/** The JSON schema the API reference shows for `stateSchema` (zod cannot derive it from a custom check). */
export const stateJSONSchema = {
  type: 'object',
  properties: { model_name: { type: 'string' } },
  required: ['model_name'],
  additionalProperties: true,
  description: 'A state: its fields, validated by the model that model_name names',
} as const;

/**
 * The ref envelope. `strict` (requests) rejects unknown keys; `strip` (a client reading the
 * answers of a newer server) drops them.
 */
export function refEnvelope(mode: EnvelopeMode) {
  return envelope(
    {
      record: recordEnvelope(mode).nullish(),
      guid: uuid4Schema.nullish(),
      state: stateSchema.nullish(),
      state_model_name: z.string(),
      model_name: z.literal('Ref').optional(),
    },
    mode,
  );
}

/** A store as a request or record names it. */
export const storeSchema = storeEnvelope('strict');
/** Where a record lives. */
export const recordSchema = recordEnvelope('strict');
/** A ref on the wire: a pointer to a record, a guid, or a state to create. */
export const refSchema = refEnvelope('strict');

/**
 * A JSON object taken as it is: checked, never copied, so that a `__proto__` key stays a key
 * for the layer that validates it (a copy would turn it into the copy's prototype and drop it).
 */
export const jsonObjectSchema = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'expected a JSON object' },
);

/** Which logger of the API a protocol call logs to, and with which bound fields. */
export const loggerSelectionSchema = z.strictObject({
  logger_name: z.string(),
  logger_kwargs: jsonObjectSchema.nullish(),
});

/** `/store/put`, `/store/get`, `/store/patch`, `/store/delete`: a ref and, for a ref without record, its store. */
export const refBodySchema = z.strictObject({ ref: refSchema, store: storeSchema.nullish() });

/**
 * `/store/get`: a ref body and an optional window of the dynamic fields' series (timestamps,
 * both bounds included): `{ref, from: 1733000000}` reads only the points since then.
 */
export const getBodySchema = refBodySchema.extend({
  from: z.number().finite().nullish(),
  to: z.number().finite().nullish(),
});

/** One sort key of a query; which fields may be sorted by and how is the store's to check. */
export const orderByItemSchema = z.strictObject({
  field: z.string(),
  direction: z.string().nullish(),
});

/** What the operand of a query operator is, for the API reference. */
export type QueryOperandKind =
  /** Any JSON value (`null`: missing). */
  | 'value'
  /** A list of JSON values (`null` in it: missing). */
  | 'values'
  /** A string or a number. */
  | 'ordered'
  | 'string'
  | 'boolean'
  /** The Ref JSON of a record. */
  | 'ref'
  /** A non-empty list of `where` objects. */
  | 'conditions';

/** One operator of the query language. */
export interface QueryOperatorDefinition {
  /** `field`: inside a field's condition; `where`: a key of the `where` object itself. */
  readonly on: 'field' | 'where';
  readonly operand: QueryOperandKind;
  /** What it matches (docs/queries.md, "The language"). */
  readonly summary: string;
}

/**
 * Every operator of the query language, once: the API reference's `where` schema is built from
 * this table, and it holds exactly the operators of core's query types (a compile error below
 * otherwise). The store's query compiler is still the one validator of a `where`.
 */
export const queryOperators = {
  $eq: {
    on: 'field',
    operand: 'value',
    summary: 'deep-equal to the value (a plain value means the same); null matches a missing value',
  },
  $ne: {
    on: 'field',
    operand: 'value',
    summary: 'not deep-equal to the value, missing values included; null matches any present value',
  },
  $gt: {
    on: 'field',
    operand: 'ordered',
    summary: 'greater than a value of the same type (string, number or free-form fields)',
  },
  $gte: { on: 'field', operand: 'ordered', summary: 'greater than or equal to a value of the same type' },
  $lt: { on: 'field', operand: 'ordered', summary: 'less than a value of the same type' },
  $lte: { on: 'field', operand: 'ordered', summary: 'less than or equal to a value of the same type' },
  $in: {
    on: 'field',
    operand: 'values',
    summary: 'deep-equal to one of the values; null in the list stands for missing',
  },
  $nin: {
    on: 'field',
    operand: 'values',
    summary: 'deep-equal to none of the values; matches a missing value unless null is listed',
  },
  $exists: {
    on: 'field',
    operand: 'boolean',
    summary: 'true: the field holds a value; false: it is absent (or null)',
  },
  $contains: {
    on: 'field',
    operand: 'string',
    summary: 'a string containing the operand, case-sensitive (string or free-form fields)',
  },
  $startsWith: {
    on: 'field',
    operand: 'string',
    summary: 'a string starting with the operand, case-sensitive',
  },
  $has: {
    on: 'field',
    operand: 'ref',
    summary:
      "the records whose relationship field links to the ref's record (relationship fields only, alone)",
  },
  $and: { on: 'where', operand: 'conditions', summary: 'every one of the conditions holds' },
  $or: { on: 'where', operand: 'conditions', summary: 'at least one of the conditions holds' },
} as const satisfies Record<string, QueryOperatorDefinition>;

/** The name of an operator of the query language. */
export type QueryOperatorName = keyof typeof queryOperators;

/** The operators core's query types name (`$and` and `$or` are the keys of `TypedWhere` in query.ts). */
type TypedQueryOperator =
  | keyof EqualityOperators<unknown>
  | keyof OrderedOperators<unknown>
  | keyof StringOperators
  | keyof RelationshipCondition
  | '$and'
  | '$or';
// Fails to compile when the table and the query types name different operators.
const operatorsMatchTheTypes: [QueryOperatorName, TypedQueryOperator] extends [
  TypedQueryOperator,
  QueryOperatorName,
]
  ? true
  : never = true;
void operatorsMatchTheTypes;

/**
 * A query's `where` on the wire: any JSON object, checked (never copied, like `jsonObjectSchema`)
 * and left to the store's query compiler, which checks it against the model and names the
 * field and operator of a mistake. Its own identity lets the API reference document it with
 * `queryOperators`.
 */
export const whereSchema = z.custom<Record<string, unknown>>(
  (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  { message: 'expected a JSON object' },
);

/**
 * The conditions of a query: the Python client's `query.property_values` (equality, null
 * meaning "not given") and the query language's `where` (`queryOperators`: checked by the
 * store against the model, docs/queries.md).
 */
const queryConditions = {
  query: z.strictObject({ property_values: jsonObjectSchema.nullish() }).nullish(),
  where: whereSchema.nullish(),
  model_name: z.string(),
  store: storeSchema,
};

/** `/store/query`: every record that meets the conditions (the Python client sends `query` only). */
export const queryBodySchema = z.strictObject({
  ...queryConditions,
  order_by: z.array(orderByItemSchema).nullish(),
  // Whole, positive and within the maximum: checked by the store, which names the rule.
  limit: z.number().nullish(),
  include_states: z.boolean().nullish(),
});

/** `/store/query_page`: one page of a query, from the `next_cursor` of the page before. */
export const queryPageBodySchema = z.strictObject({
  ...queryConditions,
  order_by: z.array(orderByItemSchema).nullish(),
  limit: z.number().nullish(),
  cursor: z.string().nullish(),
  include_states: z.boolean().nullish(),
});

/** `/store/count`: how many records meet the conditions. */
export const countBodySchema = z.strictObject(queryConditions);

/**
 * `/protocols/<path>` and `/jobs/<path>`: the protocol's arguments (validated by the protocol)
 * and a logger; for a job, an optional idempotency key (the same key answers the same job).
 */
export const protocolBodySchema = z.strictObject({
  args: jsonObjectSchema.nullish(),
  logger: loggerSelectionSchema.nullish(),
  idempotency_key: z.string().min(1).max(200).nullish(),
});

/** The three statuses a Python client knows. */
export const jobStatusSchema = z.enum(['submitted', 'success', 'failed']);

/** A protocol run in the background, as it travels on the wire. */
export const jobSchema = z.looseObject({
  model_name: z.literal('Job'),
  uid: z.string(),
  status: jobStatusSchema,
  result: z.unknown(),
  error: z.string().nullable(),
});

/** `/jobs/fetch`: the job as the client holds it, or its uid. */
export const jobFetchBodySchema = z.strictObject({
  job: z.union([z.looseObject({ uid: z.string() }), z.string()]),
});

/** Every error answer: an RFC 9457 problem body with a stable code. */
export const errorBodySchema = z.object({
  detail: z.string(),
  code: z.string(),
  status: z.number().int().optional(),
  extra: z.looseObject({ error_message: z.string(), traceback: z.string().optional() }),
});

export type StoreJSON = z.output<typeof storeSchema>;
export type RecordJSON = z.output<typeof recordSchema>;
export type RefWire = z.output<typeof refSchema>;
export type LoggerSelection = z.output<typeof loggerSelectionSchema>;
export type RefBody = z.output<typeof refBodySchema>;
/** The body of `/store/get`. */
export type GetBody = z.output<typeof getBodySchema>;
export type QueryBody = z.output<typeof queryBodySchema>;
export type QueryPageBody = z.output<typeof queryPageBodySchema>;
export type CountBody = z.output<typeof countBodySchema>;
export type ProtocolBody = z.output<typeof protocolBodySchema>;
export type JobStatus = z.output<typeof jobStatusSchema>;
export type JobFetchBody = z.output<typeof jobFetchBodySchema>;
export type ErrorBodyJSON = z.output<typeof errorBodySchema>;

/** The JSON of a job. `status` stays one of the three Python statuses; the other members say more. */
export interface JobJSON<R = unknown> {
  model_name: 'Job';
  /** A version-4 UUID. */
  uid: string;
  status: JobStatus;
  /** The protocol's JSON-ready result once `status` is `success`; otherwise null. */
  result: R | null;
  /** What went wrong once `status` is `failed`; otherwise null. */
  error: string | null;
  [member: string]: unknown;
}

/** Formats zod issues as one line: `field 'a.b': message; ...`. */
export function formatIssues(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): string {
  return error.issues
    .map((issue) =>
      issue.path.length ? `field '${issue.path.map(String).join('.')}': ${issue.message}` : issue.message,
    )
    .join('; ');
}

/** The issues of a zod error as plain JSON, for the `extra.issues` member of an error body. */
export function issuesJSON(error: {
  issues: readonly { path: readonly PropertyKey[]; message: string }[];
}): { path: (string | number)[]; message: string }[] {
  return error.issues.map(({ path, message }) => ({
    path: path.map((segment) => (typeof segment === 'number' ? segment : String(segment))),
    message,
  }));
}
