import { randomUUID } from 'node:crypto';
import { aggregation, isConsteliteError, ref, stateModel } from '@constelite/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { PRIMITIVE_SINCE } from './contract.js';
import { MemoryGuidMap } from './guid.js';
import { STORAGE_CONTRACT_VERSION, type StorageDriver, Store, SUPPORTED_CONTRACT_VERSIONS } from './index.js';
import { testDriver } from './test-driver.js';

const Toy = stateModel('ContractToy', { name: z.string() });
const Pet = stateModel('ContractPet', {
  name: z.string(),
  lives: z.number().int(),
  toys: aggregation(() => Toy),
});

function errorOf(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('Storage contract versions', () => {
  it('the store supports every contract version from 1 up to its own', () => {
    expect(SUPPORTED_CONTRACT_VERSIONS).toEqual({ min: 1, max: STORAGE_CONTRACT_VERSION });
    for (
      let version = SUPPORTED_CONTRACT_VERSIONS.min;
      version <= SUPPORTED_CONTRACT_VERSIONS.max;
      version++
    ) {
      expect(new Store({ driver: testDriver({ contractVersion: version }) }).uid).toBeTypeOf('string');
    }
  });

  it('a driver of a version outside the range is a VALIDATION_FAILED error naming the store and the range', () => {
    for (const version of [0, SUPPORTED_CONTRACT_VERSIONS.max + 1, 1.5, Number.NaN]) {
      const error = errorOf(
        () => new Store({ name: 'Odd', driver: testDriver({ contractVersion: version }) }),
      );
      expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
      expect((error as Error).message).toContain(`Store Odd uses storage contract ${version}`);
      expect((error as Error).message).toContain(
        `contract versions ${SUPPORTED_CONTRACT_VERSIONS.min} to ${SUPPORTED_CONTRACT_VERSIONS.max}`,
      );
    }
  });

  it('a driver without a contract version is refused too', () => {
    const driver = {
      transaction: testDriver({ contractVersion: 1 }).transaction,
    } as unknown as StorageDriver;
    expect(
      isConsteliteError(
        errorOf(() => new Store({ driver })),
        'VALIDATION_FAILED',
      ),
    ).toBe(true);
  });

  it('every optional primitive names the version that introduced it, within the supported range', () => {
    for (const since of Object.values(PRIMITIVE_SINCE)) {
      expect(since).toBeGreaterThan(SUPPORTED_CONTRACT_VERSIONS.min);
      expect(since).toBeLessThanOrEqual(SUPPORTED_CONTRACT_VERSIONS.max);
    }
  });
});

describe('Store capabilities', () => {
  it('are those the driver declares, false unless declared, and read-only', () => {
    const plain = new Store({ driver: testDriver({ contractVersion: 1 }) });
    expect(plain.capabilities).toEqual({
      persistent: false,
      multiProcess: false,
      guids: false,
      series: false,
    });
    const disk = new Store({
      driver: { ...testDriver({ contractVersion: 1 }), capabilities: { persistent: true } },
    });
    expect(disk.capabilities).toEqual({ persistent: true, multiProcess: false, guids: false, series: false });
    expect(Object.isFrozen(disk.capabilities)).toBe(true);
  });

  it('guids are kept by a driver only from contract version 3 on, whatever an older driver declares', () => {
    const old = new Store({
      driver: { ...testDriver({ contractVersion: 2 }), capabilities: { guids: true } },
    });
    expect(old.capabilities.guids).toBe(false);
    old.enableGuids();
    expect(old.guidKeeping).toBe('map');
  });

  it('enableGuids() refuses a persistent driver that cannot keep guids, naming the store, instead of losing them on restart', () => {
    const disk = new Store({
      name: 'archive',
      driver: { ...testDriver({ contractVersion: 2 }), capabilities: { persistent: true } },
    });
    expect(() => disk.enableGuids()).toThrow(/archive.*does not keep guids/);
    expect(disk.guidKeeping).toBeNull();
    const map = new MemoryGuidMap();
    disk.enableGuids(map);
    expect(disk.guidKeeping).toBe('map');
    expect(disk.guidMap).toBe(map);
  });
});

/** Three pets (the second twice) and a missing uid, in a store over `driver`. */
async function bulkOf(driver: ReturnType<typeof testDriver>) {
  const store = new Store({ driver });
  const toy = await store.put(ref(Toy({ name: 'mouse' })));
  const pets = [];
  for (const name of ['a', 'b', 'c']) pets.push(await store.put(ref(Pet({ name, lives: 9, toys: [toy] }))));
  driver.calls.length = 0;
  const got = await store.bulkGet([pets[2]!, pets[1]!, pets[0]!, pets[1]!]);
  const bulkCalls = [...driver.calls];
  driver.calls.length = 0;
  const queried = await store.query({ model: Pet, includeStates: true });
  const queryCalls = [...driver.calls];
  const missing = ref(Pet({}), { record: { store: store.info, uid: randomUUID(), url: null } });
  const error = await rejection(store.bulkGet([pets[0]!, missing]));
  return {
    answers: {
      got: got.map((pet) => [pet.uid, pet.state?.name, pet.state?.toys?.map((t) => t.uid)]),
      queried: queried.map((pet) => pet.state?.name).sort(),
      missing: isConsteliteError(error, 'RECORD_NOT_FOUND') && (error as Error).message.includes(missing.uid),
    },
    bulkCalls,
    queryCalls,
  };
}

describe('Optional primitive readRecords', () => {
  it('bulkGet and query({ includeStates }) read all their records with one readRecords when the driver has it', async () => {
    const { answers, bulkCalls, queryCalls } = await bulkOf(
      testDriver({ contractVersion: 2, withReadRecords: true }),
    );
    expect(answers.got.map(([, name]) => name)).toEqual(['c', 'b', 'a', 'b']);
    expect(answers.queried).toEqual(['a', 'b', 'c']);
    expect(answers.missing).toBe(true);
    expect(bulkCalls.filter((call) => call === 'readRecords')).toHaveLength(1);
    expect(bulkCalls).not.toContain('readRecord');
    expect(queryCalls.filter((call) => call === 'readRecords')).toHaveLength(1);
    expect(queryCalls).not.toContain('readRecord');
  });

  it('a driver without it (or of contract version 1, which predates it) gets the same answers through readRecord', async () => {
    const native = await bulkOf(testDriver({ contractVersion: 2, withReadRecords: true }));
    for (const driver of [
      testDriver({ contractVersion: 2 }),
      testDriver({ contractVersion: 1 }),
      // A version-1 driver's method of that name is not the primitive: it is never called.
      testDriver({ contractVersion: 1, withReadRecords: true }),
    ]) {
      const fallback = await bulkOf(driver);
      expect(fallback.answers.got.map(([, name, toys]) => [name, toys?.length])).toEqual(
        native.answers.got.map(([, name, toys]) => [name, toys?.length]),
      );
      expect(fallback.answers.queried).toEqual(native.answers.queried);
      expect(fallback.answers.missing).toBe(true);
      expect(fallback.bulkCalls).not.toContain('readRecords');
      expect(fallback.bulkCalls.filter((call) => call === 'readRecord')).toHaveLength(3);
      expect(fallback.queryCalls.filter((call) => call === 'readRecord')).toHaveLength(3);
    }
  });

  it('a minimal version-1 driver runs every method', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: 1 }) });
    const pet = await store.put(ref(Pet({ name: 'Tom', toys: [ref(Toy({ name: 'ball' }))] })));
    await store.patch(pet.withState(Pet({ lives: 7 })));
    expect((await store.get(pet)).state).toMatchObject({ name: 'Tom', lives: 7 });
    expect(await store.bulkGet([pet])).toHaveLength(1);
    expect(await store.query({ model: Pet, where: { lives: 7 } })).toHaveLength(1);
    await store.delete(pet);
    expect(await store.query({ model: Pet })).toEqual([]);
  });
});

describe('One validation pass', () => {
  it('put of a plain object parses it once with its model, and each nested state once', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: 2 }) });
    const petParse = vi.spyOn(Pet, 'parse');
    const toyParse = vi.spyOn(Toy, 'parse');
    const plain = {
      model_name: 'ContractPet',
      name: 'Tom',
      toys: [
        // A JSON ref: its state is parsed with the owner's state.
        {
          model_name: 'Ref',
          state_model_name: 'ContractToy',
          record: null,
          guid: null,
          state: { model_name: 'ContractToy', name: 'ball' },
        },
        // A Ref instance carrying a plain object: parsed by the store.
        ref({ model_name: 'ContractToy', name: 'mouse' } as ReturnType<typeof Toy>),
      ],
    };
    const saved = await store.put(ref(plain as unknown as ReturnType<typeof Pet>));
    expect(petParse).toHaveBeenCalledTimes(1);
    expect(toyParse).toHaveBeenCalledTimes(2);
    const toys = (await store.get(saved)).state?.toys ?? [];
    expect((await store.bulkGet(toys)).map((toy) => toy.state?.name)).toEqual(['ball', 'mouse']);
  });

  it('a state a model produced is not parsed again, nested states included', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: 2 }) });
    const state = Pet({ name: 'Tom', toys: [ref(Toy({ name: 'ball' })), ref(Toy({ name: 'mouse' }))] });
    const petParse = vi.spyOn(Pet, 'parse');
    const toyParse = vi.spyOn(Toy, 'parse');
    const saved = await store.put(ref(state));
    await store.patch(saved.withState(Pet({ lives: 3 })));
    expect(petParse).not.toHaveBeenCalled();
    expect(toyParse).not.toHaveBeenCalled();
    expect((await store.get(saved)).state).toMatchObject({ name: 'Tom', lives: 3 });
  });

  it('a parsed state still has to be of the model its ref names (or a sub-model of it)', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: 2 }) });
    const wrong = ref(Toy({ name: 'ball' }));
    wrong.state_model_name = 'ContractPet';
    const error = await rejection(store.put(wrong));
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('A ref to a ContractPet carries a ContractToy state');
    expect(await store.query({ model: Toy })).toEqual([]);
  });

  it('a plain object that breaks its model is still rejected, nested ones too, and nothing is written', async () => {
    const store = new Store({ driver: testDriver({ contractVersion: 2 }) });
    const badOwner = ref({ model_name: 'ContractPet', lives: 1.5 } as unknown as ReturnType<typeof Pet>);
    expect(isConsteliteError(await rejection(store.put(badOwner)), 'VALIDATION_FAILED')).toBe(true);
    const badNested = ref(Pet({ name: 'Tom', toys: [ref({ model_name: 'ContractToy', name: 7 } as never)] }));
    const error = await rejection(store.put(badNested));
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('ContractToy');
    expect(await store.query({ model: Pet })).toEqual([]);
    expect(await store.query({ model: Toy })).toEqual([]);
  });
});
