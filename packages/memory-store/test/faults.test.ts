import { randomUUID } from 'node:crypto';
import { isConsteliteError, ref } from '@constelite/core';
import { type StorageDriver, type StorageTransaction, Store } from '@constelite/store';
import {
  count,
  missingRef,
  SuiteBook,
  SuiteCat,
  SuiteGang,
  SuiteNote,
  SuitePage,
  stateOf,
  uids,
} from '@constelite/store-test-suite';
import { describe, expect, it } from 'vitest';
import { MemoryDriver, MemoryStore } from '../src/index.js';

type Primitive = keyof StorageTransaction;

/** The real memory driver, with one primitive made to fail on its n-th call while `armed`. */
class FaultyDriver implements StorageDriver {
  readonly contractVersion: number;
  readonly inner = new MemoryDriver();
  armed = false;
  #calls = 0;

  constructor(
    readonly primitive: Primitive,
    readonly failOnCall: number,
  ) {
    this.contractVersion = this.inner.contractVersion;
  }

  arm(): void {
    this.armed = true;
    this.#calls = 0;
  }

  transaction<T>(mode: 'read' | 'write', work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    return this.inner.transaction(mode, (tx) => {
      const wrapped = new Proxy(tx, {
        get: (target, name, receiver) => {
          const value = Reflect.get(target, name, receiver) as (...args: unknown[]) => Promise<unknown>;
          if (typeof value !== 'function') return value;
          if (name !== this.primitive) return value.bind(target);
          return (...args: unknown[]) => {
            if (this.armed && ++this.#calls === this.failOnCall) {
              this.armed = false;
              return Promise.reject(new Error(`${String(name)}: disk full`));
            }
            return value.apply(target, args);
          };
        },
      });
      return work(wrapped);
    });
  }
}

function faultyStore(primitive: Primitive, failOnCall: number) {
  const driver = new FaultyDriver(primitive, failOnCall);
  return { driver, store: new Store({ uid: randomUUID(), name: 'Faulty memory store', driver }) };
}

async function expectStoreFault(promise: Promise<unknown>, store: Store): Promise<void> {
  const error = await promise.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(isConsteliteError(error, 'STORE_FAULT')).toBe(true);
  expect((error as Error).message).toContain(`'Faulty memory store' (${store.uid}) failed`);
  expect((error as Error).message).toContain('disk full');
}

const nestedBook = () =>
  ref(
    SuiteBook({
      title: 'Cats',
      pages: [
        ref(SuitePage({ index: 1, notes: [ref(SuiteNote({ text: 'a' })), ref(SuiteNote({ text: 'b' }))] })),
        ref(SuitePage({ index: 2 })),
      ],
    }),
  );

describe('MemoryStore under driver faults', () => {
  it('a store fault in the middle of a nested put is a STORE_FAULT error and leaves no record behind', async () => {
    const { driver, store } = faultyStore('createRecord', 4);
    driver.arm();
    await expectStoreFault(store.put(nestedBook()), store);
    expect(await count(store, SuiteBook)).toBe(0);
    expect(await count(store, SuitePage)).toBe(0);
    expect(await count(store, SuiteNote)).toBe(0);
    expect(driver.inner.size).toBe(0);
  });

  it('a store fault while deleting a composition tree leaves the whole tree and its links', async () => {
    const { driver, store } = faultyStore('deleteRecord', 3);
    const book = await store.put(nestedBook());
    const gang = await store.put(ref(SuiteGang({ members: [ref(SuiteCat({ name: 'a' }))] })));
    const before = driver.inner.size;
    driver.arm();
    await expectStoreFault(store.delete(book), store);
    expect(driver.inner.size).toBe(before);
    const pages = stateOf(await store.get(book)).pages ?? [];
    expect(pages).toHaveLength(2);
    expect(uids(stateOf(await store.get(pages[0]!)).notes)).toHaveLength(2);
    expect(uids(stateOf(await store.get(pages[0]!)).book)).toEqual([book.record?.uid]);
    expect(uids(stateOf(await store.get(gang)).members)).toHaveLength(1);
  });

  it('a store fault during a composition replace keeps the old members and their order', async () => {
    const { driver, store } = faultyStore('deleteRecord', 2);
    const book = await store.put(nestedBook());
    const pages = stateOf(await store.get(book)).pages ?? [];
    driver.arm();
    await expectStoreFault(
      store.put(book.withState(SuiteBook({ pages: [ref(SuitePage({ index: 3 }))] }))),
      store,
    );
    expect(uids(stateOf(await store.get(book)).pages)).toEqual(uids(pages));
    expect(await count(store, SuitePage)).toBe(2);
    expect(await count(store, SuiteNote)).toBe(2);
  });

  it('a store fault in a patch leaves static, dynamic and relationship fields as before', async () => {
    const { driver, store } = faultyStore('writeFields', 1);
    const a = await store.put(ref(SuiteCat({ name: 'a' })));
    const gang = await store.put(ref(SuiteGang({ name: 'Alley', members: [a] })));
    driver.arm();
    await expectStoreFault(
      store.patch(gang.withState(SuiteGang({ name: 'Roof', members: [ref(SuiteCat({ name: 'b' }))] }))),
      store,
    );
    expect(stateOf(await store.get(gang)).name).toBe('Alley');
    expect(uids(stateOf(await store.get(gang)).members)).toEqual([a.record?.uid]);
    expect(await count(store, SuiteCat)).toBe(1);
  });
});

describe('MemoryDriver', () => {
  it('a rolled-back replace restores a relationship list in its original order', async () => {
    const store = new MemoryStore({ uid: randomUUID() });
    const cats = await Promise.all(['a', 'b', 'c'].map((name) => store.put(ref(SuiteCat({ name })))));
    const gang = await store.put(ref(SuiteGang({ members: cats })));
    const failing = store.put(
      gang.withState(SuiteGang({ members: [cats[2]!, missingRef(store, SuiteCat)] })),
    );
    await expect(failing).rejects.toMatchObject({ code: 'RECORD_NOT_FOUND' });
    expect(uids(stateOf(await store.get(gang)).members)).toEqual(uids(cats));
  });

  it('declares itself non-persistent and single-process, keeping guids with its records', () => {
    expect(new MemoryDriver().capabilities).toEqual({
      persistent: false,
      multiProcess: false,
      guids: true,
      series: true,
    });
  });

  it('a write primitive in a read transaction is refused', async () => {
    const driver = new MemoryDriver();
    await expect(
      driver.transaction('read', (tx) => tx.createRecord({ uid: 'x', model: 'SuiteCat', fields: {} })),
    ).rejects.toThrow(/read transaction/);
    expect(driver.size).toBe(0);
  });

  it('MemoryStore is named "Memory store" unless told otherwise', () => {
    expect(new MemoryStore().name).toBe('Memory store');
    expect(new MemoryStore({ name: 'Cats' }).name).toBe('Cats');
  });
});
