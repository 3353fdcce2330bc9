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
