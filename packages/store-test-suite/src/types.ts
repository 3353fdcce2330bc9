import type { AnyState, AnyStateModel, Ref, RefTo } from '@constelite/core';
import type { GuidMap, StoreMethod } from '@constelite/store';

/** Arguments of `SuiteStore.query`. */
export interface SuiteQuery {
  /** The model whose records (sub-models included) are wanted. */
  model: AnyStateModel;
  /** Static field values the records must equal; absent means every record. */
  where?: Record<string, unknown>;
  /** Return each record's state too. Default: false. */
  includeStates?: boolean;
}

/**
 * The store under test, as the suite sees it: the standard methods only, so that a `Store`
 * passes as it is and an adapter (e.g. over the HTTP client) can stand in for one.
 */
export interface SuiteStore {
  /** The store's uid (a UUID). */
  readonly uid: string;
  /** The store's name. */
  readonly name: string | null;
  put<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>>;
  get<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>>;
  patch<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>>;
  delete(ref: Ref): Promise<void>;
  query(options: SuiteQuery): Promise<RefTo[]>;
  bulkGet<S extends AnyState>(refs: readonly Ref<S>[]): Promise<RefTo<S>[]>;
  /** Optional. Enables guids; the guid tests skip themselves when it is absent. */
  setGuidMap?(guidMap: GuidMap | null): void;
}

/** What every test receives. */
export interface SuiteContext {
  /** A fresh, empty store made by `createStore` for this test. */
  readonly store: SuiteStore;
  /** Another fresh, empty store (destroyed with the first). */
  newStore(): Promise<SuiteStore>;
  /**
   * A fresh store that allows only `methods`, made by `createStoreWithMethods`; the test is
   * skipped when that option is absent.
   */
  storeWithMethods(methods: readonly StoreMethod[]): Promise<SuiteStore>;
  /**
   * Gives `stores` one shared in-memory guid map and returns it; the test is skipped when a
   * store has no `setGuidMap`.
   */
  enableGuids(...stores: SuiteStore[]): GuidMap;
  /** Skips the rest of the test. */
  skip(note: string): never;
}

/** The body of one conformance test. */
export type SuiteTest = (context: SuiteContext) => Promise<void>;
