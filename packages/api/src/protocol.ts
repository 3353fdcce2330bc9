import {
  isProtocolContract,
  type ProtocolContract,
  type ProtocolSignature,
  type ReceivedValue,
} from '@constelite/core';
import { z } from 'zod';
import type { ProtocolHost } from './host.js';
import type { Logger } from './logger.js';

/**
 * What a client receives for a protocol's `returns` schema `R`: a ref as it is, a state as a
 * `Ref` to it, a list item by item, anything else as it is.
 */
export type ClientResult<R extends z.ZodType> = ReceivedValue<z.output<R>>;

/** What a protocol's function receives. */
export interface ProtocolContext<A extends z.ZodRawShape> {
  /** The API running the protocol, narrowed to what a protocol needs: its stores, `getState`, other protocols through `runProtocol`. */
  api: ProtocolHost;
  /** The logger the caller selected (the API's `default` logger when none was named). */
  logger: Logger;
  /** The validated arguments. */
  args: z.output<z.ZodObject<A>>;
  /**
   * Reports how far a job has got (`progress(0.4, 'plated 40 of 100 wells')`): a fraction from
   * 0 to 1 (or null) and a message, shown on `/jobs/fetch`. Cheap to call often: the job queue
   * stores it at most every few hundred milliseconds. Does nothing outside a job.
   */
  progress: (fraction: number | null, message?: string | null) => void;
  /**
   * Aborted when the job is cancelled: pass it to `fetch`, check `signal.aborted` between
   * steps. The job reads cancelled at once either way; writes made after that are not undone.
   * Never aborted outside a job.
   */
  signal: AbortSignal;
  /**
   * The job being run, or null for a direct `/protocols/<path>` call. `attempt` is above 1 when
   * a worker died under an earlier run: a job runs at least once, so a protocol run as a job
   * should be idempotent (docs/jobs.md, "Jobs run at least once").
   */
  job: { uid: string; attempt: number } | null;
}

/** The function of a protocol. */
export type ProtocolFunction<A extends z.ZodRawShape, R extends z.ZodType> = (
  context: ProtocolContext<A>,
) => Promise<z.input<R>> | z.input<R>;

/** How a protocol is declared: a name, zod argument shape, optional return schema and description. */
export interface ProtocolDefinition<A extends z.ZodRawShape, R extends z.ZodType> {
  /** A human-readable name ("Hello world"); the URL slug is the export key given to `discoverProtocols`. */
  name: string;
  /** The arguments, as a zod object shape. */
  args: A;
  /** The return value's schema. Default: `z.void()` (the protocol returns nothing; the wire carries `null`). */
  returns?: R;
  /** A longer description, shown in the OpenAPI document. */
  description?: string;
}

/** A protocol: a named server-side function with zod-validated arguments and return value. */
export interface Protocol<A extends z.ZodRawShape = z.ZodRawShape, R extends z.ZodType = z.ZodType>
  extends ProtocolSignature<z.input<z.ZodObject<A>>, ClientResult<R>> {
  readonly kind: 'protocol';
  readonly name: string;
  readonly description: string | undefined;
  /** The schema of the arguments object. */
  readonly args: z.ZodObject<A>;
  /** The schema of the return value. */
  readonly returns: R;
  /** The protocol's function (called by the API after validating the arguments). */
  readonly run: ProtocolFunction<A, R>;
}

/** Any protocol, whatever its arguments and result. */
// biome-ignore lint/suspicious/noExplicitAny: the widest protocol type must accept every shape
export type AnyProtocol = Protocol<any, z.ZodType>;

/**
 * Declares a protocol:
 *
 * ```ts
 * export const hello_world = protocol(
 *   { name: 'Hello world', args: { name: z.string() } },
 *   ({ logger, args }) => { logger.info(`Hello, ${args.name}!`); },
 * );
 * ```
 *
 * or implements a contract made by `protocolSignature` of `@constelite/core` (its name,
 * description, arguments and result schema), with `args` and the result typed from it:
 *
 * ```ts
 * export const hello_world = protocol(contract.hello_world, ({ logger, args }) => {
 *   logger.info(`Hello, ${args.name}!`);
 * });
 * ```
 */
export function protocol<A extends z.ZodRawShape, R extends z.ZodType>(
  contract: ProtocolContract<A, R>,
  run: ProtocolFunction<A, R>,
): Protocol<A, R>;
export function protocol<A extends z.ZodRawShape, R extends z.ZodType = z.ZodVoid>(
  definition: ProtocolDefinition<A, R>,
  run: ProtocolFunction<A, R>,
): Protocol<A, R>;
export function protocol<A extends z.ZodRawShape, R extends z.ZodType>(
  definition: ProtocolDefinition<A, R> | ProtocolContract<A, R>,
  run: ProtocolFunction<A, R>,
): Protocol<A, R> {
  // A contract already holds the schemas (a definition's `args` is a shape, never a zod schema).
  if (isProtocolContract(definition)) {
    return Object.freeze({
      kind: 'protocol' as const,
      name: definition.name,
      description: definition.description,
      args: definition.args as z.ZodObject<A>,
      returns: definition.returns as R,
      run,
    });
  }
  const shape = definition as ProtocolDefinition<A, R>;
  return Object.freeze({
    kind: 'protocol' as const,
    name: shape.name,
    description: shape.description,
    args: z.object(shape.args),
    returns: (shape.returns ?? z.void()) as R,
    run,
  });
}

/** True for a value made by `protocol()`. */
export function isProtocol(value: unknown): value is AnyProtocol {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'protocol' &&
    typeof (value as { run?: unknown }).run === 'function' &&
    // Duck-typed rather than `instanceof`, so that a protocol built with another copy of zod is found too.
    typeof (value as { args?: { safeParseAsync?: unknown } }).args?.safeParseAsync === 'function'
  );
}
