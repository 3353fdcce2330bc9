import type { AnyState, AnyStateModel, Ref, RefTo } from '@constelite/core';
import type { GuidMap, StorageCapabilities, StoreMethod } from '@constelite/store';

/** Arguments of `SuiteStore.query`. */
export interface SuiteQuery {
  /** The model whose records (sub-models included) are wanted. */
  model: AnyStateModel;
  /** The conditions (docs/queries.md); absent means every record. */
  where?: Record<string, unknown>;
  /** Return each record's state too. Default: false. */
  includeStates?: boolean;
  /** Sort keys, most significant first (ties by uid). */
  orderBy?: readonly { field: string; direction?: 'asc' | 'desc' }[];
  /** The most records to return. */
  limit?: number;
}

/** Arguments of `SuiteStore.queryPage`. */
export interface SuiteQueryPage extends SuiteQuery {
  /** The `nextCursor` of the previous page. */
  cursor?: string | null;
}

/** Arguments of `SuiteStore.iterate`. */
export interface SuiteIterate extends Omit<SuiteQuery, 'limit'> {
  /** Records per read. */
  pageSize?: number;
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
  /** With `from`/`to`, each dynamic field holds only its points in that window (inclusive). */
  get<S extends AnyState>(ref: Ref<S>, options?: { from?: number; to?: number }): Promise<RefTo<S>>;
  patch<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>>;
  delete(ref: Ref): Promise<void>;
  query(options: SuiteQuery): Promise<RefTo[]>;
  /** One page of a query and the cursor of the next (null after the last). */
  queryPage(options: SuiteQueryPage): Promise<{ refs: RefTo[]; nextCursor: string | null }>;
  /** The number of records a query matches. */
  count(options: Pick<SuiteQuery, 'model' | 'where'>): Promise<number>;
  /** Every record of a query, read a page at a time. */
  iterate(options: SuiteIterate): AsyncIterable<RefTo>;
  bulkGet<S extends AnyState>(refs: readonly Ref<S>[]): Promise<RefTo<S>[]>;
  /**
   * Optional. Enables guids, kept by the store itself (for a `Store`: by its driver, in the
   * same transactions as the records, when it declares `capabilities.guids`).
   */
  enableGuids?(): void;
  /** Optional. Keeps guids in an external map; the guid tests skip themselves when neither method is there. */
  setGuidMap?(guidMap: GuidMap | null): void;
  /** Optional. Where the store keeps guids (`Store.guidKeeping`); the guid-storage tests need 'driver'. */
  readonly guidKeeping?: 'driver' | 'map' | null;
  /**
   * Optional. What the store's driver declares (`Store.capabilities`). The persistence tests
   * run for a store that declares `persistent` and skip themselves otherwise.
   */
  readonly capabilities?: Readonly<StorageCapabilities>;
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
   * Enables guids on `stores`: each keeps its own (`enableGuids()`), or, with the suite option
   * `externalGuidMap`, all share one in-memory `GuidMap`. The test is skipped when a store has
   * neither method.
   */
  enableGuids(...stores: SuiteStore[]): void;
  /**
   * Closes `store` and opens it again on the same storage with `reopenStore`, returning the
   * reopened store (which the suite destroys after the test instead of `store`). The test is
   * skipped when the store does not declare `capabilities.persistent`, and fails when it does
   * but `reopenStore` is not given.
   */
  reopen(store: SuiteStore): Promise<SuiteStore>;
  /** Skips the rest of the test. */
  skip(note: string): never;
}

/** The body of one conformance test. */
export type SuiteTest = (context: SuiteContext) => Promise<void>;
