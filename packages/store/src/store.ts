import {
  type AnyState,
  type AnyStateModel,
  defaultRegistry,
  type ModelRegistry,
  type Ref,
  type RefTo,
  type StateOf,
  type StoreInfo,
  ValidationError,
} from '@constelite/core';
import { uuid4Schema } from '@constelite/core/wire';
import { deleteOne } from './cascades.js';
import { assertAllowed } from './checks.js';
import type { StoreContext } from './context.js';
import { checkContractVersion, keptByDriver } from './contract.js';
import type { StorageCapabilities, StorageDriver } from './driver.js';
import { methodNotAllowed } from './errors.js';
import { type GuidMap, MemoryGuidMap } from './guid.js';
import { ALL_STORE_METHODS, type StoreMethod } from './methods.js';
import {
  type CountOptions,
  countRecords,
  type IterateOptions,
  iterateRefs,
  type QueryOptions,
  type QueryPage,
  type QueryPageOptions,
  queryPage,
  queryRefs,
} from './queries.js';
import { type GetOptions, getMany, getOne } from './reads.js';
import { asStoreError } from './transaction.js';
import { write } from './writes.js';

export interface StoreOptions {
  /** The store's uid, a UUID. Default: a new random v4 UUID. */
  uid?: string;
  /** The store's name. Default: the class name. */
  name?: string;
  /** The storage primitives the store runs on. */
  driver: StorageDriver;
  /** The methods callers may use. Default: all of them. */
  allowedMethods?: readonly StoreMethod[];
  /** The registry that resolves model names. Default: the global registry. */
  registry?: ModelRegistry;
  /** Enables guids from the start, as `enableGuids()` does. Default: false. */
  guids?: boolean;
  /** An external guid map to use from the start (see `setGuidMap`); wins over `guids`. */
  guidMap?: GuidMap;
}

type RefOf<M> = M extends AnyStateModel ? RefTo<StateOf<M>> : RefTo;

/** The rejection of a call of a method the store does not offer (as `assertAllowed` throws it). */
function refused<T>(ctx: StoreContext, method: StoreMethod): Promise<T> {
  return Promise.reject(methodNotAllowed(ctx, method));
}

/**
 * A store: records of state models behind the standard methods put/get/patch/delete/query/
 * bulkGet, with the relationship semantics of docs/concepts.md. A store package subclasses it
 * (or constructs it) with a `StorageDriver` that supplies the storage primitives. Each method
 * is one concern of this package's files: checks, reads, writes, cascades, guid rules
 * (docs/architecture.md, "The path of a request").
 */
export class Store {
  /** The store's uid (a UUID). */
  readonly uid: string;
  /** The store's name. */
  readonly name: string;
  /** The methods callers may use. */
  readonly allowedMethods: ReadonlySet<StoreMethod>;
  /** The registry that resolves model names. */
  readonly registry: ModelRegistry;
  /** What the driver declares it can do (each false unless it says so). */
  readonly capabilities: Readonly<Required<StorageCapabilities>>;
  protected readonly driver: StorageDriver;
  readonly #context: StoreContext;

  constructor(options: StoreOptions) {
    const uid = options.uid ?? crypto.randomUUID();
    if (!uuid4Schema.safeParse(uid).success) {
      throw new ValidationError(
        `Store uid '${uid}' is not a version-4 UUID (the Python client accepts no other)`,
        {
          extra: { store: options.name ?? null },
        },
      );
    }
    checkContractVersion(options.driver, options.name ?? uid);
    this.uid = uid.toLowerCase();
    this.name = options.name ?? new.target.name;
    this.driver = options.driver;
    this.allowedMethods = new Set(options.allowedMethods ?? ALL_STORE_METHODS);
    this.registry = options.registry ?? defaultRegistry;
    this.capabilities = Object.freeze({
      persistent: options.driver.capabilities?.persistent ?? false,
      multiProcess: options.driver.capabilities?.multiProcess ?? false,
      guids: keptByDriver(options.driver, 'guids'),
      series: keptByDriver(options.driver, 'series'),
    });
    const context: StoreContext = {
      uid: this.uid,
      name: this.name,
      label: `'${this.name}' (${this.uid})`,
      registry: this.registry,
      driver: this.driver,
      seriesInDriver: this.capabilities.series,
      guids: options.guidMap ? { kind: 'map', map: options.guidMap } : null,
      fail: (error) => {
        throw asStoreError(context, error);
      },
    };
    this.#context = context;
    if (!options.guidMap && options.guids) this.enableGuids();
  }

  /** The store as it appears in a record: `{uid, name}`. */
  get info(): StoreInfo {
    return { uid: this.uid, name: this.name };
  }

  /**
   * Enables guids: from now on refs carry guids, assigned on create, and a ref with a guid finds
   * its record (docs/concepts.md, "Guids"). Without an argument the driver keeps them, in the
   * same transactions as the records, when it can (`capabilities.guids`); a driver that cannot
   * gets an in-memory map if its data is not persistent either, and is refused if it is
   * (its guids would be lost on restart): pass a persistent `GuidMap` then.
   */
  enableGuids(guidMap?: GuidMap): void {
    if (guidMap) {
      this.setGuidMap(guidMap);
    } else if (this.capabilities.guids) {
      this.#context.guids = { kind: 'driver' };
    } else if (!this.capabilities.persistent) {
      this.setGuidMap(new MemoryGuidMap());
    } else {
      throw new ValidationError(
        `Store ${this.#context.label} is persistent but its driver does not keep guids (capabilities.guids, contract version 3): pass a persistent GuidMap to enableGuids(guidMap)`,
        { extra: { store: this.uid, contract_version: this.driver.contractVersion } },
      );
    }
  }

  /** Keeps guids in `guidMap`, linked after each write commits (null: guids off). */
  setGuidMap(guidMap: GuidMap | null): void {
    this.#context.guids = guidMap ? { kind: 'map', map: guidMap } : null;
  }

  /** Where guids are kept: by the driver, in an external map, or null when guids are off. */
  get guidKeeping(): 'driver' | 'map' | null {
    return this.#context.guids?.kind ?? null;
  }

  /** The external guid map in use, if any (null when the driver keeps guids or they are off). */
  get guidMap(): GuidMap | null {
    const guids = this.#context.guids;
    return guids?.kind === 'map' ? guids.map : null;
  }

  /**
   * Creates a record (no record on the ref) or overwrites the given fields of one (record on
   * the ref; relationships replaced, dropped composition members deleted). Returns a ref without state.
   */
  put<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>> {
    // put, patch and get are not async functions (an async function returning a promise costs
    // two more turns of the microtask queue); a method not allowed still rejects.
    if (!this.allowedMethods.has('put')) return refused(this.#context, 'put');
    return write(this.#context, ref, 'put') as Promise<RefTo<S>>;
  }

  /** Overwrites given static fields, appends dynamic points and aggregation/composition members, replaces associations. */
  patch<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>> {
    if (!this.allowedMethods.has('patch')) return refused(this.#context, 'patch');
    return write(this.#context, ref, 'patch') as Promise<RefTo<S>>;
  }

  /**
   * The record's full current state. A missing record is a `RECORD_NOT_FOUND` error. With
   * `from`/`to`, each dynamic field holds only its points in that window (inclusive), read from
   * the driver's index when it keeps series: `get(cat, { from: lastHour })`.
   */
  get<S extends AnyState>(ref: Ref<S>, options?: GetOptions): Promise<RefTo<S>> {
    if (!this.allowedMethods.has('get')) return refused(this.#context, 'get');
    return getOne(this.#context, ref, options) as Promise<RefTo<S>>;
  }

  /** Many gets in one call, answered in the order asked. */
  async bulkGet<S extends AnyState>(refs: readonly Ref<S>[]): Promise<RefTo<S>[]> {
    assertAllowed(this.#context, this.allowedMethods, 'bulkGet');
    return getMany(this.#context, refs) as Promise<RefTo<S>[]>;
  }

  /** Deletes the record, its composition members (recursively) and every link to it. */
  async delete(ref: Ref): Promise<void> {
    assertAllowed(this.#context, this.allowedMethods, 'delete');
    return deleteOne(this.#context, ref);
  }

  /**
   * Refs to the records of a model (sub-models included) that meet `where`, in the order of
   * `orderBy` (then uid), at most `limit` (docs/queries.md).
   */
  async query<M extends AnyStateModel | string>(options: QueryOptions<M>): Promise<RefOf<M>[]> {
    assertAllowed(this.#context, this.allowedMethods, 'query');
    return queryRefs(this.#context, options as QueryOptions<AnyStateModel | string>) as Promise<RefOf<M>[]>;
  }

  /** One page of a query and the cursor of the next page (null after the last). */
  async queryPage<M extends AnyStateModel | string>(
    options: QueryPageOptions<M>,
  ): Promise<QueryPage<RefOf<M>>> {
    assertAllowed(this.#context, this.allowedMethods, 'query');
    return queryPage(
      this.#context,
      options as unknown as QueryPageOptions<AnyStateModel | string>,
    ) as Promise<QueryPage<RefOf<M>>>;
  }

  /** The number of records of a model (sub-models included) that meet `where`. */
  async count<M extends AnyStateModel | string>(options: CountOptions<M>): Promise<number> {
    assertAllowed(this.#context, this.allowedMethods, 'query');
    return countRecords(this.#context, options as CountOptions<AnyStateModel | string>);
  }

  /** Every record of a query, read `pageSize` at a time (`for await (const ref of store.iterate(…))`). */
  async *iterate<M extends AnyStateModel | string>(options: IterateOptions<M>): AsyncGenerator<RefOf<M>> {
    assertAllowed(this.#context, this.allowedMethods, 'query');
    yield* iterateRefs(
      this.#context,
      options as unknown as IterateOptions<AnyStateModel | string>,
    ) as AsyncGenerator<RefOf<M>>;
  }

  /** Releases the driver's resources. */
  async close(): Promise<void> {
    await this.driver.close?.();
  }

  toJSON(): StoreInfo {
    return this.info;
  }
}
