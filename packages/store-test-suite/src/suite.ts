import { MemoryGuidMap, type StoreMethod } from '@constelite/store';
import { describe, it } from 'vitest';
import { atomicityCases } from './groups/atomicity.js';
import { backrefCases } from './groups/backrefs.js';
import { badInputCases } from './groups/bad-input.js';
import { basicCases } from './groups/basic.js';
import { concurrencyCases } from './groups/concurrency.js';
import { dynamicCases } from './groups/dynamic.js';
import { guidCases } from './groups/guid.js';
import { guidStorageCases } from './groups/guid-storage.js';
import { isolationCases } from './groups/isolation.js';
import { methodCases } from './groups/methods.js';
import { persistenceCases } from './groups/persistence.js';
import { queryCases } from './groups/query.js';
import { relationshipCases } from './groups/relationships.js';
import { valueCases } from './groups/values.js';
import type { SuiteContext, SuiteStore, SuiteTest } from './types.js';

/** The name of every test of the suite, so that `skip` keys are checked at compile time. */
export type StoreTestName =
  | keyof typeof basicCases
  | keyof typeof dynamicCases
  | keyof typeof relationshipCases
  | keyof typeof backrefCases
  | keyof typeof queryCases
  | keyof typeof methodCases
  | keyof typeof guidCases
  | keyof typeof guidStorageCases
  | keyof typeof atomicityCases
  | keyof typeof concurrencyCases
  | keyof typeof isolationCases
  | keyof typeof persistenceCases
  | keyof typeof badInputCases
  | keyof typeof valueCases;

/** How to run the suite against a store. */
export interface StoreTestSuiteOptions<S extends SuiteStore = SuiteStore> {
  /** Required. Shown as the outer `describe` of every group. */
  name: string;
  /** Required. Makes a fresh, empty store; called once (or more) per test. Give each store a random uid. */
  createStore: () => S | Promise<S>;
  /** Optional. Releases a store made by `createStore` or `createStoreWithMethods` after its test. */
  destroyStore?: (store: S) => void | Promise<void>;
  /**
   * Optional. Makes a fresh store that allows only `methods` (the METHOD_NOT_ALLOWED tests are
   * skipped without it).
   */
  createStoreWithMethods?: (methods: readonly StoreMethod[]) => S | Promise<S>;
  /**
   * Optional; required for a store whose driver declares `capabilities.persistent`. Closes
   * `store` and opens a new store on the same storage (same file, schema or database, same
   * uid), so the persistence tests can prove the data outlived it. The suite destroys the
   * store it returns, not the one it was given.
   */
  reopenStore?: (store: S) => S | Promise<S>;
  /**
   * Optional. Tests to skip, each with the reason (shown in the report). Keys are test names;
   * a name the suite does not have is a type error and, at run time, fails `runStoreTestSuite`.
   */
  skip?: Partial<Record<StoreTestName, string>>;
  /**
   * Optional. Runs the guid tests with one shared in-memory `GuidMap` (`setGuidMap`) instead of
   * the store's own guids (`enableGuids()`). Default: false.
   */
  externalGuidMap?: boolean;
  /** Optional. The time each test may take, in ms. Default: `DEFAULT_TEST_TIMEOUT_MS`. */
  testTimeoutMs?: number;
}

/**
 * Two minutes: a few tests (120 random queries evaluated over a network database without
 * pushdown, say) take seconds alone and much longer on a CI machine running every package's
 * tests at once; a test that is wrong fails on its assertions, not on time.
 */
export const DEFAULT_TEST_TIMEOUT_MS = 120_000;

/** A group of conformance tests: call it inside a vitest file to register its `describe`. */
export interface StoreTestGroup {
  <S extends SuiteStore>(options: StoreTestSuiteOptions<S>): void;
  /** The group's title. */
  readonly title: string;
  /** The names of the group's tests. */
  readonly testNames: readonly StoreTestName[];
}

function defineGroup(title: string, cases: Partial<Record<StoreTestName, SuiteTest>>): StoreTestGroup {
  const entries = Object.entries(cases) as [StoreTestName, SuiteTest][];
  const register = <S extends SuiteStore>(options: StoreTestSuiteOptions<S>): void => {
    describe(`${options.name}: ${title}`, () => {
      for (const [name, body] of entries) {
        const reason = options.skip?.[name];
        if (reason !== undefined) {
          it.skip(`${name} [skipped: ${reason}]`, () => {});
          continue;
        }
        it(
          name,
          async (test) => {
            const made: S[] = [];
            const make = async (create: () => S | Promise<S>): Promise<S> => {
              const store = await create();
              made.push(store);
              return store;
            };
            const reopen = async (store: SuiteStore): Promise<SuiteStore> => {
              if (!store.capabilities?.persistent)
                return test.skip('the store does not declare capabilities.persistent');
              const reopenStore = options.reopenStore;
              if (!reopenStore) {
                throw new Error(
                  `${options.name} declares capabilities.persistent, so the suite must prove its data outlives it: give runStoreTestSuite a reopenStore option that closes the store and opens it again on the same storage`,
                );
              }
              const index = made.indexOf(store as S);
              if (index < 0) throw new Error('reopen() takes a store made for this test');
              const reopened = await reopenStore(store as S);
              made[index] = reopened;
              return reopened;
            };
            const context: SuiteContext = {
              store: await make(options.createStore),
              newStore: () => make(options.createStore),
              async storeWithMethods(methods) {
                const create = options.createStoreWithMethods;
                if (!create) return test.skip('createStoreWithMethods is not given');
                return make(() => create(methods));
              },
              enableGuids(...stores) {
                const guidMap = new MemoryGuidMap();
                for (const store of stores) {
                  if (!options.externalGuidMap && store.enableGuids) store.enableGuids();
                  else if (store.setGuidMap) store.setGuidMap(guidMap);
                  else return test.skip('the store has neither enableGuids nor setGuidMap');
                }
              },
              reopen,
              skip: (note) => test.skip(note),
            };
            try {
              await body(context);
            } finally {
              for (const store of made) await options.destroyStore?.(store);
            }
          },
          options.testTimeoutMs ?? DEFAULT_TEST_TIMEOUT_MS,
        );
      }
    });
  };
  return Object.assign(register, { title, testNames: entries.map(([name]) => name) });
}

/** put/get/patch/delete/bulkGet of single records. */
export const basicTests: StoreTestGroup = defineGroup('basic', basicCases);
/** Dynamic fields: PUT replaces, PATCH appends, a repeated timestamp replaces its point. */
export const dynamicTests: StoreTestGroup = defineGroup('dynamic fields', dynamicCases);
/** Associations, aggregations and compositions: creation, replace/append, cascades, no dangling links. */
export const relationshipTests: StoreTestGroup = defineGroup('relationships', relationshipCases);
/** Backrefs mirror forward relationships and are never stale. */
export const backrefTests: StoreTestGroup = defineGroup('backrefs', backrefCases);
/** query({model, where, includeStates}). */
export const queryTests: StoreTestGroup = defineGroup('query', queryCases);
/** Allowed methods (needs `createStoreWithMethods`). */
export const methodTests: StoreTestGroup = defineGroup('allowed methods', methodCases);
/** GUIDs (needs `setGuidMap` on the store). */
export const guidTests: StoreTestGroup = defineGroup('guids', guidCases);
/** Guids kept by the store itself: they outlive a restart, fail with their write, and race safely. */
export const guidStorageTests: StoreTestGroup = defineGroup('guid storage', guidStorageCases);
/** A write that fails part-way leaves nothing behind. */
export const atomicityTests: StoreTestGroup = defineGroup('atomicity', atomicityCases);
/** Concurrent writes never lose each other's effects. */
export const concurrencyTests: StoreTestGroup = defineGroup('concurrency', concurrencyCases);
/** Mutating states passed in or received never changes stored data. */
export const isolationTests: StoreTestGroup = defineGroup('isolation', isolationCases);
/** Bad input is a typed error and stores nothing. */
export const badInputTests: StoreTestGroup = defineGroup('bad input', badInputCases);
/** Data, links and their order outlive a close and reopen (stores that declare `capabilities.persistent`). */
export const persistenceTests: StoreTestGroup = defineGroup('persistence', persistenceCases);
/** Stored values come back exactly: prototype keys, long strings, NUL bytes and lone surrogates. */
export const valueTests: StoreTestGroup = defineGroup('values', valueCases);

/** Every group, in the order `runStoreTestSuite` registers them. */
export const storeTestGroups: readonly StoreTestGroup[] = [
  basicTests,
  dynamicTests,
  relationshipTests,
  backrefTests,
  queryTests,
  methodTests,
  guidTests,
  guidStorageTests,
  atomicityTests,
  concurrencyTests,
  isolationTests,
  badInputTests,
  persistenceTests,
  valueTests,
];

/** The name of every test of the suite. */
export const storeTestNames: readonly StoreTestName[] = storeTestGroups.flatMap((group) => group.testNames);

/**
 * Registers the whole conformance suite for a store; call it at the top level of a vitest file.
 *
 * ```ts
 * runStoreTestSuite({ name: 'MemoryStore', createStore: () => new MemoryStore({ uid: randomUUID() }) });
 * ```
 */
export function runStoreTestSuite<S extends SuiteStore>(options: StoreTestSuiteOptions<S>): void {
  const known = new Set<string>(storeTestNames);
  const unknown = Object.keys(options.skip ?? {}).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new Error(
      `runStoreTestSuite(${options.name}): skip names tests the suite does not have: ${unknown.map((name) => `'${name}'`).join(', ')}`,
    );
  }
  for (const group of storeTestGroups) group(options);
}
