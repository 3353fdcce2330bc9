import type { Store } from '@constelite/store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  methodTests,
  runStoreTestSuite,
  type StoreTestName,
  type StoreTestSuiteOptions,
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

  it('test names are unique across groups, so a skip key names exactly one test', () => {
    expect(new Set(storeTestNames).size).toBe(storeTestNames.length);
    expect(storeTestGroups.reduce((total, group) => total + group.testNames.length, 0)).toBe(
      storeTestNames.length,
    );
    expect(storeTestNames.length).toBeGreaterThan(90);
  });
});
