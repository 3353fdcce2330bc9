import { z } from 'zod';
import type { ProtocolSignature, ReceivedValue } from './protocol.js';

/**
 * A protocol's contract, written once where server and client can both import it: its name,
 * argument schema and result schema, without its function. A client-only project types its
 * calls with it (`new ConsteliteClient<typeof contract>()`) from core and zod alone; the server
 * implements each contract with `@constelite/api`'s `protocol(contract, run)`
 * (packages/client/README.md, "Typed calls from a client-only project").
 *
 * ```ts
 * // contract.ts: imports only @constelite/core and zod
 * export const hello_world = protocolSignature({ name: 'Hello world', args: { name: z.string() } });
 * ```
 */
export interface ProtocolContract<A extends z.ZodRawShape = z.ZodRawShape, R extends z.ZodType = z.ZodType>
  extends ProtocolSignature<z.input<z.ZodObject<A>>, ReceivedValue<z.output<R>>> {
  readonly kind: 'protocol';
  /** A human-readable name ("Hello world"); the URL slug is the export key. */
  readonly name: string;
  /** A longer description, shown in the API reference. */
  readonly description: string | undefined;
  /** The schema of the arguments object. */
  readonly args: z.ZodObject<A>;
  /** The schema of the return value (`z.void()` when the protocol returns nothing). */
  readonly returns: R;
}

/** What `protocolSignature` takes: the same members as a protocol definition of `@constelite/api`. */
export interface ProtocolContractDefinition<A extends z.ZodRawShape, R extends z.ZodType> {
  /** A human-readable name ("Hello world"). */
  name: string;
  /** The arguments, as a zod object shape. */
  args: A;
  /** The return value's schema. Default: `z.void()` (the wire carries `null`). */
  returns?: R;
  /** A longer description. */
  description?: string;
}

/** Declares a protocol's contract (its signature with schemas, no function); see `ProtocolContract`. */
export function protocolSignature<A extends z.ZodRawShape, R extends z.ZodType = z.ZodVoid>(
  definition: ProtocolContractDefinition<A, R>,
): ProtocolContract<A, R> {
  return Object.freeze({
    kind: 'protocol' as const,
    name: definition.name,
    description: definition.description,
    args: z.object(definition.args),
    returns: (definition.returns ?? z.void()) as R,
  });
}

/** True for a contract made by `protocolSignature` (or a protocol built on one): duck-typed, so another copy of core or zod counts. */
export function isProtocolContract(value: unknown): value is ProtocolContract {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { kind?: unknown }).kind === 'protocol' &&
    typeof (value as { name?: unknown }).name === 'string' &&
    typeof (value as { args?: { safeParseAsync?: unknown } }).args?.safeParseAsync === 'function' &&
    typeof (value as { returns?: { safeParseAsync?: unknown } }).returns?.safeParseAsync === 'function'
  );
}
