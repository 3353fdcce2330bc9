import { z } from 'zod';

/**
 * The zod schemas of the wire bodies (SPEC §5). They validate the envelope; refs and states
 * inside are then resolved through the API's model registry, which validates each state with
 * its own model.
 */

/** A store as a request names it: `{uid, name?}`. */
export const storeSchema = z.object({ uid: z.string(), name: z.string().nullish() });

/** A record on the wire. */
export const recordSchema = z.object({ store: storeSchema, uid: z.string(), url: z.string().nullish() });

/** A ref on the wire; its state is validated later by the model `model_name` names. */
export const refSchema = z.object({
  record: recordSchema.nullish(),
  guid: z.string().nullish(),
  state: z.looseObject({ model_name: z.string() }).nullish(),
  state_model_name: z.string(),
  model_name: z.literal('Ref').optional(),
});

/** `POST /store/put` and `POST /store/get`: the store is needed when the ref has no record. */
export const refBodySchema = z.object({ ref: refSchema, store: storeSchema.nullish() });

/** `POST /store/patch` and `POST /store/delete`. */
export const recordRefBodySchema = z.object({ ref: refSchema, store: storeSchema.nullish() });

/** `POST /store/query`. */
export const queryBodySchema = z.object({
  query: z.object({ property_values: z.record(z.string(), z.unknown()).nullish() }).nullish(),
  model_name: z.string(),
  store: z.object({ uid: z.string() }).loose(),
  include_states: z.boolean().nullish(),
});

/** The `logger` member of protocol and job calls. */
export const loggerSchema = z.object({
  logger_name: z.string(),
  logger_kwargs: z.record(z.string(), z.unknown()).nullish(),
});

/** `POST /protocols/<path>` and `POST /jobs/<path>`; `args` is validated by the protocol. */
export const protocolBodySchema = z.object({
  args: z.record(z.string(), z.unknown()).nullish(),
  logger: loggerSchema.nullish(),
});

/** A job on the wire. */
export const jobSchema = z.object({
  model_name: z.literal('Job'),
  uid: z.uuid(),
  status: z.enum(['submitted', 'success', 'failed']),
  result: z.unknown(),
  error: z.string().nullable(),
});

/** `POST /jobs/fetch`: the job as the client holds it (or its uid). */
export const jobFetchBodySchema = z.object({
  job: z.union([z.object({ uid: z.string() }).loose(), z.string()]),
});

/** Every error body (SPEC §5; an RFC 9457 problem body with these members). */
export const errorSchema = z.object({
  detail: z.string(),
  code: z.string(),
  status: z.number().int().optional(),
  extra: z.looseObject({ error_message: z.string(), traceback: z.string().optional() }),
});
