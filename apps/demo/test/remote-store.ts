import { randomUUID } from 'node:crypto';
import { consoleLogger } from '@constelite/api';
import {
  ConsteliteClient,
  type CountArgs,
  type IterateArgs,
  type QueryArgs,
  type QueryPageArgs,
} from '@constelite/client';
import type { AnyState, AnyStateModel, Ref, RefTo } from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { HonoAPI } from '@constelite/server';
import type { GuidMap, StoreMethod } from '@constelite/store';
import type { SuiteIterate, SuiteQuery, SuiteQueryPage, SuiteStore } from '@constelite/store-test-suite';

/**
 * A store seen through the HTTP client: every method is a request to a Hono app serving a
 * fresh MemoryStore (in-process through `app.request`), so that the conformance suite proves
 * the server and the client keep every store rule end to end.
 */
export class RemoteStore implements SuiteStore {
  readonly uid: string;
  readonly name: string;
  readonly #client: ConsteliteClient;
  readonly #served: MemoryStore;

  constructor(served: MemoryStore) {
    this.#served = served;
    this.uid = served.uid;
    this.name = served.name;
    const api = new HonoAPI({
      name: `Remote ${served.name}`,
      stores: [served],
      loggers: { default: consoleLogger({ write: () => {} }) },
      // The suite stores 1 MiB values, so bodies are a little larger than that.
      bodyLimit: 4 * 1024 * 1024,
    });
    const app = api.generateApp();
    this.#client = new ConsteliteClient({
      url: 'http://remote.test',
      token: null,
      fetch: (request) => app.request(request),
    });
  }

  /** A RemoteStore over a new MemoryStore with a random uid (allowing only `allowedMethods` when given). */
  static create(allowedMethods?: readonly StoreMethod[]): RemoteStore {
    return new RemoteStore(
      new MemoryStore({
        uid: randomUUID(),
        name: 'Remote memory store',
        ...(allowedMethods ? { allowedMethods } : {}),
      }),
    );
  }

  get #store() {
    return { uid: this.uid };
  }

  put<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>> {
    return this.#client.store.put({ ref, store: this.#store });
  }

  get<S extends AnyState>(ref: Ref<S>, window: { from?: number; to?: number } = {}): Promise<RefTo<S>> {
    return this.#client.store.get({ ref, store: this.#store, ...window });
  }

  patch<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>> {
    return this.#client.store.patch({ ref, store: this.#store });
  }

  delete(ref: Ref): Promise<void> {
    return this.#client.store.delete({ ref, store: this.#store });
  }

  query(options: SuiteQuery): Promise<RefTo[]> {
    return this.#client.store.query({
      ...(options as QueryArgs<AnyStateModel>),
      store: this.#store,
    }) as Promise<RefTo[]>;
  }

  queryPage(options: SuiteQueryPage): Promise<{ refs: RefTo[]; nextCursor: string | null }> {
    return this.#client.store.queryPage({ ...(options as QueryPageArgs<AnyStateModel>), store: this.#store });
  }

  count(options: Pick<SuiteQuery, 'model' | 'where'>): Promise<number> {
    return this.#client.store.count({ ...(options as CountArgs<AnyStateModel>), store: this.#store });
  }

  iterate(options: SuiteIterate): AsyncIterable<RefTo> {
    return this.#client.store.iterate({ ...(options as IterateArgs<AnyStateModel>), store: this.#store });
  }

  /** The wire protocol has no bulk get: one get per ref, answered in order. */
  bulkGet<S extends AnyState>(refs: readonly Ref<S>[]): Promise<RefTo<S>[]> {
    return Promise.all(refs.map((ref) => this.get(ref)));
  }

  /** Guids are server configuration (`api.enableGuid()`), so the map is set on the served store. */
  setGuidMap(guidMap: GuidMap | null): void {
    this.#served.setGuidMap(guidMap);
  }

  close(): Promise<void> {
    return this.#served.close();
  }
}
