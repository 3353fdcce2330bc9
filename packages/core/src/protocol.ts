import type { Ref, RefTo } from './ref.js';
/**
 * The compile-time signature of a protocol. `@constelite/api` defines protocols that carry it;
 * `@constelite/client` reads it to type `client.protocols.<path>(args)` without depending on
 * the API package.
 */
export interface ProtocolSignature<Args = unknown, Result = unknown> {
  readonly kind: 'protocol';
  /** The protocol's human-readable name. */
  readonly name: string;
  /** Phantom member that carries the argument and result types; never set at run time. */
  readonly '~types'?: { readonly args: Args; readonly result: Result };
}

/** The argument type of a protocol signature. */
export type ProtocolArgs<P> = P extends ProtocolSignature<infer A, unknown> ? A : never;
/** The result type of a protocol signature (as the client receives it). */
export type ProtocolResult<P> = P extends ProtocolSignature<unknown, infer R> ? R : never;

/**
 * What a caller receives for a protocol output `O`: a `Ref` arrives as it is, a state (an
 * object with a `model_name`) arrives as a `Ref` to it, a list item by item, anything else as
 * it is (docs/concepts.md, "Protocols").
 */
export type ReceivedValue<O> = O extends Ref
  ? O
  : O extends { model_name: string }
    ? RefTo<O>
    : O extends readonly (infer E)[]
      ? ReceivedValue<E>[]
      : O;
