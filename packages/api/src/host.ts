import type { Ref } from '@constelite/core';
import type { LoggerSelection } from '@constelite/core/wire';
import type { Store } from '@constelite/store';

/**
 * What a protocol can reach of the API that runs it: the stores, the current state of a ref,
 * and other protocols. It is deliberately narrow (no discovery, no configuration), so that a
 * protocol runs the same under any transport: the HTTP server, a job worker, a test.
 */
export interface ProtocolHost {
  /** The API's name. */
  readonly name: string;
  /** The store with this uid; `UNKNOWN_STORE` naming the uid when the API has none. */
  getStore(uid: string): Store;
  /** The current state of the ref's record, read from the ref's store. */
  getState<R extends Ref>(target: R): Promise<R>;
  /** Runs another protocol of the API and answers its JSON-ready result. */
  runProtocol(path: string, args: unknown, logger?: LoggerSelection | null): Promise<unknown>;
  /** The temporary store, where returned states are put, if the API has one. */
  readonly temporaryStore: Store | null;
}
