import { randomUUID } from 'node:crypto';
import type { RefTo, StateOf } from '@constelite/core';
import type { Store } from '@constelite/store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  foreignRef,
  methodTests,
  missingRef,
  persistenceTests,
  runStoreTestSuite,
  type StoreTestName,
  type StoreTestSuiteOptions,
  SuiteHuman,
  type SuiteStore,
  storeTestGroups,
  storeTestNames,
} from './index.js';

const noStore = (): SuiteStore => {
  throw new Error('a skipped test must not create a store');
};

// Every test of the group is skipped, so `createStore` (which throws) is never called.
methodTests({
  name: 'skip check',
  createStore: noStore,
  skip: Object.fromEntries(methodTests.testNames.map((name) => [name, 'proves that skip skips'])),
});

describe('runStoreTestSuite', () => {
  it('a Store satisfies the interface the suite tests', () => {
    expectTypeOf<Store>().toExtend<SuiteStore>();
  });

  it('skip keys are test names, checked at compile time', () => {
    expectTypeOf<'put(ref without record) creates a new record every time'>().toExtend<StoreTestName>();
    const options: StoreTestSuiteOptions = {
      name: 'typed',
      createStore: noStore,
      // @ts-expect-error a name the suite does not have
      skip: { 'put(ref) does something else': 'no such test' },
    };
    expect(options.name).toBe('typed');
  });

  it('rejects a skip that names a test the suite does not have', () => {
    expect(() =>
      runStoreTestSuite({
        name: 'Broken',
        createStore: noStore,
        skip: { 'no such test': 'typo' } as StoreTestSuiteOptions['skip'],
      }),
    ).toThrow(/skip names tests the suite does not have: 'no such test'/);
  });

  it('missingRef and foreignRef are typed as refs to the model they are given', () => {
    const store = { uid: randomUUID(), name: 'Typed' } as SuiteStore;
    const missing = missingRef(store, SuiteHuman);
    expectTypeOf(missing).toEqualTypeOf<RefTo<StateOf<typeof SuiteHuman>>>();
    expectTypeOf(foreignRef(SuiteHuman)).toEqualTypeOf<RefTo<StateOf<typeof SuiteHuman>>>();
    expect(missing.record?.store.uid).toBe(store.uid);
    expect(missing.state_model_name).toBe('SuiteHuman');
  });

  it('the persistence group is part of the suite and reopenStore is an option', () => {
    expect(storeTestGroups).toContain(persistenceTests);
    expectTypeOf<StoreTestSuiteOptions['reopenStore']>().toEqualTypeOf<
      ((store: SuiteStore) => SuiteStore | Promise<SuiteStore>) | undefined
    >();
  });

  it('test names are unique across groups, so a skip key names exactly one test', () => {
    expect(new Set(storeTestNames).size).toBe(storeTestNames.length);
    expect(storeTestGroups.reduce((total, group) => total + group.testNames.length, 0)).toBe(
      storeTestNames.length,
    );
    expect(storeTestNames.length).toBeGreaterThan(90);
  });
});
