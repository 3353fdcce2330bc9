import { randomUUID } from 'node:crypto';
import { isConsteliteError, RecordNotFoundError, Ref, ref, stateModel } from '@constelite/core';
import { describe, expect, it } from 'vitest';
import {
  ALL_STORE_METHODS,
  MemoryGuidMap,
  STORAGE_CONTRACT_VERSION,
  type StorageDriver,
  type StorageTransaction,
  Store,
} from './index.js';

const Thing = stateModel('StorePackageThing', {});

/** A driver whose every primitive throws `fault` (the transaction boundary itself works). */
function faultyDriver(fault: (primitive: string) => unknown): StorageDriver & { closed: boolean } {
  const tx = new Proxy({} as StorageTransaction, {
    get: (_target, primitive) => async (): Promise<never> => {
      throw fault(String(primitive));
    },
  });
  return {
    contractVersion: STORAGE_CONTRACT_VERSION,
    closed: false,
    transaction: (_mode, work) => work(tx),
    async close() {
      this.closed = true;
    },
  };
}

const diskOnFire = (primitive: string) => new Error(`${primitive}: disk on fire`);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

function thingRef(store: Store): Ref {
  return new Ref({
    record: { store: store.info, uid: randomUUID(), url: null },
    state_model_name: Thing.modelName,
  });
}

describe('Store construction', () => {
  it('a store uid must be a UUID: anything else is a VALIDATION_FAILED error naming it', () => {
    let error: unknown;
    try {
      new Store({ uid: 'store-1', name: 'Bad', driver: faultyDriver(diskOnFire) });
    } catch (caught) {
      error = caught;
    }
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain("'store-1'");
  });

  it('a store uid must be a version-4 UUID, as the Python client requires: a v1 or the nil UUID is a VALIDATION_FAILED error naming it', () => {
    for (const uid of ['e2c5a3d0-3f5b-11ee-be56-0242ac120002', '00000000-0000-0000-0000-000000000000']) {
      let error: unknown;
      try {
        new Store({ uid, name: 'Old', driver: faultyDriver(diskOnFire) });
      } catch (caught) {
        error = caught;
      }
      expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as Error).message).toContain(uid);
    }
  });

  it('a store without a uid gets a random version-4 UUID, and uids are kept in lower case', () => {
    const store = new Store({ driver: faultyDriver(diskOnFire) });
    expect(store.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const upper = new Store({
      uid: '5EF14649-FD40-40A0-A693-DE36C855A181',
      driver: faultyDriver(diskOnFire),
    });
    expect(upper.uid).toBe('5ef14649-fd40-40a0-a693-de36c855a181');
  });

  it('the name defaults to the class name; info and toJSON give {uid, name}', () => {
    class NotionStore extends Store {}
    const store = new NotionStore({
      uid: '5ef14649-fd40-40a0-a693-de36c855a181',
      driver: faultyDriver(diskOnFire),
    });
    expect(store.name).toBe('NotionStore');
    expect(store.info).toEqual({ uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'NotionStore' });
    expect(JSON.parse(JSON.stringify(store))).toEqual(store.info);
  });

  it('a driver written for another contract version is a VALIDATION_FAILED error naming both versions', () => {
    const driver = { ...faultyDriver(diskOnFire), contractVersion: STORAGE_CONTRACT_VERSION + 1 };
    expect(() => new Store({ name: 'Future', driver })).toThrow(
      new RegExp(
        `Future uses storage contract ${STORAGE_CONTRACT_VERSION + 1}.*implements ${STORAGE_CONTRACT_VERSION}`,
      ),
    );
  });

  it('close() closes the driver', async () => {
    const driver = faultyDriver(diskOnFire);
    await new Store({ driver }).close();
    expect(driver.closed).toBe(true);
  });
});

describe('Store allowed methods', () => {
  it('allows every method by default', () => {
    const store = new Store({ driver: faultyDriver(diskOnFire) });
    expect([...store.allowedMethods]).toEqual([...ALL_STORE_METHODS]);
  });

  it('a method outside allowedMethods is a METHOD_NOT_ALLOWED error naming the store and the method', async () => {
    const store = new Store({
      name: 'Read only',
      driver: faultyDriver(diskOnFire),
      allowedMethods: ['get', 'query'],
    });
    const calls: [string, Promise<unknown>][] = [
      ['put', store.put(ref(Thing({})))],
      ['patch', store.patch(thingRef(store))],
      ['delete', store.delete(thingRef(store))],
      ['bulkGet', store.bulkGet([thingRef(store)])],
    ];
    for (const [method, call] of calls) {
      const error = await rejection(call);
      expect(isConsteliteError(error, 'METHOD_NOT_ALLOWED')).toBe(true);
      expect((error as Error).message).toContain(`'Read only' (${store.uid}) does not support ${method}`);
    }
    // An allowed method reaches the driver (here: a fault), not the allow-list.
    expect(isConsteliteError(await rejection(store.get(thingRef(store))), 'STORE_FAULT')).toBe(true);
  });
});

describe('Store driver faults', () => {
  it('an error thrown by a driver primitive surfaces as STORE_FAULT naming the store, with the cause kept', async () => {
    const store = new Store({ name: 'Faulty', driver: faultyDriver(diskOnFire) });
    for (const call of [
      store.get(thingRef(store)),
      store.put(ref(Thing({}))),
      store.patch(thingRef(store).withState(Thing({}))),
      store.delete(thingRef(store)),
      store.query({ model: Thing }),
      store.bulkGet([thingRef(store)]),
    ]) {
      const error = await rejection(call);
      expect(isConsteliteError(error, 'STORE_FAULT')).toBe(true);
      expect((error as Error).message).toMatch(
        new RegExp(`Store 'Faulty' \\(${store.uid}\\) failed: \\w+: disk on fire`),
      );
      expect((error as Error).cause).toBeInstanceOf(Error);
      expect((error as { extra: Record<string, unknown> }).extra.store).toBe(store.uid);
    }
  });

  it('a fault of the transaction boundary itself surfaces as STORE_FAULT', async () => {
    const driver: StorageDriver = {
      contractVersion: STORAGE_CONTRACT_VERSION,
      transaction: async () => {
        throw 'connection refused';
      },
    };
    const store = new Store({ name: 'Offline', driver });
    const error = await rejection(store.query({ model: Thing }));
    expect(isConsteliteError(error, 'STORE_FAULT')).toBe(true);
    expect((error as Error).message).toContain('connection refused');
  });

  it('a Constelite error thrown by a driver passes through unchanged', async () => {
    const notFound = new RecordNotFoundError('the driver says no');
    const store = new Store({ driver: faultyDriver(() => notFound) });
    expect(await rejection(store.get(thingRef(store)))).toBe(notFound);
  });
});

describe('MemoryGuidMap', () => {
  it('links records of several stores to one guid and finds them both ways', async () => {
    const map = new MemoryGuidMap();
    const [a, b, guid] = [randomUUID(), randomUUID(), randomUUID()];
    await map.link(guid, a, 'rec-a');
    await map.link(guid, b, 'rec-b');
    expect(await map.getGuid(a, 'rec-a')).toBe(guid);
    expect(await map.getGuid(b, 'rec-b')).toBe(guid);
    expect(await map.getRecordUid(guid, a)).toBe('rec-a');
    expect(await map.getRecordUid(guid, b)).toBe('rec-b');
  });

  it('answers null for records and guids it does not know', async () => {
    const map = new MemoryGuidMap();
    expect(await map.getGuid(randomUUID(), 'rec')).toBeNull();
    expect(await map.getRecordUid(randomUUID(), randomUUID())).toBeNull();
  });

  it('unlink forgets one record and keeps the other records of the guid', async () => {
    const map = new MemoryGuidMap();
    const [a, b, guid] = [randomUUID(), randomUUID(), randomUUID()];
    await map.link(guid, a, 'rec-a');
    await map.link(guid, b, 'rec-b');
    await map.unlink(a, 'rec-a');
    await map.unlink(a, 'never-linked');
    expect(await map.getGuid(a, 'rec-a')).toBeNull();
    expect(await map.getRecordUid(guid, a)).toBeNull();
    expect(await map.getRecordUid(guid, b)).toBe('rec-b');
  });

  it('does not mix up records with the same uid in different stores', async () => {
    const map = new MemoryGuidMap();
    const [a, b, first, second] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
    await map.link(first, a, 'rec');
    await map.link(second, b, 'rec');
    expect(await map.getGuid(a, 'rec')).toBe(first);
    expect(await map.getGuid(b, 'rec')).toBe(second);
  });

  it('refuses a guid that is not a version-4 UUID with VALIDATION_FAILED naming it, and links nothing', async () => {
    const map = new MemoryGuidMap();
    const store = randomUUID();
    for (const guid of [
      'q',
      '00000000-0000-0000-0000-000000000000',
      '6ba7b810-9dad-11d1-80b4-00c04fd430c8',
    ]) {
      const error = await map.link(guid, store, 'rec').catch((caught: unknown) => caught);
      expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as Error).message).toContain(guid);
    }
    expect(await map.getGuid(store, 'rec')).toBeNull();
  });
});
