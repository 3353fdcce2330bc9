import { type AnyStateModel, type Ref, type RefTo, ref } from '@constelite/core';
import {
  type Condition,
  comparator,
  compileQuery,
  matches,
  type StorageDriver,
  sortValues,
} from '@constelite/store';
import { expect } from 'vitest';
import { expectError, foreignRef, missingRef, sortedUids, uidOf, uids } from '../helpers.js';
import {
  SuiteCat,
  SuiteCollar,
  SuiteGang,
  SuiteHuman,
  SuiteItem,
  SuiteKitten,
  SuiteSpecialItem,
} from '../models.js';
import type { SuiteQuery, SuiteStore, SuiteTest } from '../types.js';

// The query language (docs/queries.md): operators, $and/$or, missing and null, deep equality,
// sub-models, $has, sorting, limit, queryPage, count, iterate and every bad query.

/**
 * `driver` as a driver of storage contract version 1 presents it: `Store` then uses none of
 * the optional primitives (query pushdown included) and evaluates every query over the
 * required ones. Running the query group on both proves that the two paths answer alike.
 */
export function asMinimalDriver(driver: StorageDriver): StorageDriver {
  return {
    contractVersion: 1,
    ...(driver.capabilities ? { capabilities: driver.capabilities } : {}),
    transaction: (mode, work) => driver.transaction(mode, work),
    close: async () => {
      await driver.close?.();
    },
  };
}

async function putCats(store: SuiteStore) {
  const snowball = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9, tags: ['white'] })));
  const bella = await store.put(ref(SuiteCat({ name: 'Bella', lives: 9, tags: ['black', 'white'] })));
  const tom = await store.put(ref(SuiteKitten({ name: 'Tom', lives: 7, age: 1 })));
  const ann = await store.put(ref(SuiteHuman({ name: 'Snowball' })));
  return { snowball, bella, tom, ann };
}

type ItemInit = Parameters<typeof SuiteItem>[0];

const putItem = (store: SuiteStore, init: ItemInit) => store.put(ref(SuiteItem(init)));

/** Puts one item per init, returning the refs in the same order. */
async function putItems(store: SuiteStore, inits: readonly ItemInit[]): Promise<RefTo[]> {
  const out: RefTo[] = [];
  for (const init of inits) out.push(await putItem(store, init));
  return out;
}

/** The uids the query answers, sorted (for conditions, where order is not the point). */
async function found(store: SuiteStore, where: Record<string, unknown>, model: AnyStateModel = SuiteItem) {
  return sortedUids(await store.query({ model, where }));
}

/** The uids of `refs` at `indexes`, sorted. */
const pick = (refs: readonly Ref[], ...indexes: number[]) => sortedUids(indexes.map((index) => refs[index]!));

/** Compares uids as the store does (code point; uids are ASCII). */
const byUid = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Every ref of every page of a query, following `nextCursor`. */
async function allPages(store: SuiteStore, query: SuiteQuery, between?: (page: number) => Promise<unknown>) {
  const out: RefTo[] = [];
  const writes: Promise<unknown>[] = [];
  let cursor: string | null = null;
  try {
    for (let page = 0; page < 1000; page++) {
      const answer: { refs: RefTo[]; nextCursor: string | null } = await store.queryPage({
        ...query,
        cursor,
      });
      out.push(...answer.refs);
      if (answer.nextCursor === null) return out;
      cursor = answer.nextCursor;
      // Not awaited before the next page: the writes run while it is read.
      if (between) writes.push(between(page));
    }
  } finally {
    await Promise.all(writes);
  }
  throw new Error('queryPage never returned a null nextCursor');
}

async function collect(iterable: AsyncIterable<RefTo>): Promise<RefTo[]> {
  const out: RefTo[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** A small deterministic random generator (mulberry32), so that a failing case can be replayed by its seed. */
function random(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pickOne = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  return { next, pick: pickOne, chance: (p: number) => next() < p };
}

const NAMES = ['a', 'b', 'ab', 'B', 'é', '😀', '', 'a b', '\uFFFD'];
const RANKS = [-1, 0, 1, 2, 2.5, 10, 100];
const EXTRAS: unknown[] = [1, '1', true, false, [1], { a: 1 }, 'b', 0];

/** A random where clause over SuiteItem's fields, as JSON (as a transport would send it). */
function randomWhere(
  rng: ReturnType<typeof random>,
  owners: readonly RefTo[],
  depth = 0,
): Record<string, unknown> {
  const where: Record<string, unknown> = {};
  const count = 1 + Math.floor(rng.next() * 2);
  for (let index = 0; index < count; index++) {
    const kind = rng.pick(['name', 'rank', 'flag', 'tags', 'meta', 'extra', 'owner', 'logic'] as const);
    switch (kind) {
      case 'name':
        where.name = rng.pick([
          rng.pick(NAMES),
          { $eq: rng.pick(NAMES) },
          { $ne: rng.pick([...NAMES, null]) },
          { $gt: rng.pick(NAMES) },
          { $lte: rng.pick(NAMES) },
          { $in: [rng.pick(NAMES), rng.pick([...NAMES, null])] },
          { $nin: [rng.pick(NAMES)] },
          { $exists: rng.chance(0.5) },
          { $contains: rng.pick(['a', 'b', ' ', '😀', '']) },
          { $startsWith: rng.pick(['a', 'B', '', 'é']) },
        ]);
        break;
      case 'rank':
        where.rank = rng.pick([
          rng.pick(RANKS),
          { $gt: rng.pick(RANKS), $lte: rng.pick(RANKS) },
          { $gte: rng.pick(RANKS) },
          { $lt: rng.pick(RANKS) },
          { $in: [rng.pick(RANKS), rng.pick(RANKS)] },
          { $nin: [rng.pick(RANKS), null] },
          { $ne: rng.pick(RANKS) },
        ]);
        break;
      case 'flag':
        where.flag = rng.pick([true, false, { $ne: rng.chance(0.5) }, { $exists: rng.chance(0.5) }]);
        break;
      case 'tags':
        where.tags = rng.pick([[], ['x'], ['x', 'y'], ['y', 'x'], { $in: [['x'], []] }, { $exists: false }]);
        break;
      case 'meta':
        where.meta = rng.pick([{ p: 1, q: 'q' }, { q: 'q', p: 1 }, { $ne: { p: 1 } }, { $exists: true }]);
        break;
      case 'extra':
        where.extra = rng.pick([
          rng.pick(EXTRAS),
          { $gt: rng.pick([0, 1, '0', 'a']) },
          { $in: [rng.pick(EXTRAS), rng.pick(EXTRAS)] },
          { $contains: '1' },
        ]);
        break;
      case 'owner':
        where.owner = { $has: rng.pick(owners) };
        break;
      case 'logic':
        if (depth < 2)
          where[rng.pick(['$and', '$or'])] = [
            randomWhere(rng, owners, depth + 1),
            randomWhere(rng, owners, depth + 1),
          ];
        break;
    }
  }
  return where;
}

/** query({model, where, orderBy, limit, includeStates}), queryPage, count and iterate. */
export const queryCases = {
  'query(model) without where returns every record of the model': async ({ store }) => {
    const { snowball, bella, tom, ann } = await putCats(store);
    expect(sortedUids(await store.query({ model: SuiteCat }))).toEqual(sortedUids([snowball, bella, tom]));
    expect(sortedUids(await store.query({ model: SuiteHuman }))).toEqual([uidOf(ann)]);
  },

  'query(model, where) returns the records whose static fields equal every given value': async ({
    store,
  }) => {
    const { snowball, bella, tom } = await putCats(store);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { name: 'Snowball' } }))).toEqual([
      uidOf(snowball),
    ]);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 9 } }))).toEqual(
      sortedUids([snowball, bella]),
    );
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 7, name: 'Tom' } }))).toEqual([
      uidOf(tom),
    ]);
    expect(await store.query({ model: SuiteCat, where: { lives: 9, name: 'Tom' } })).toEqual([]);
  },

  'query(model, where) matches boolean fields, false as well as true, and never a record without the field':
    async ({ store }) => {
      const snowball = await store.put(ref(SuiteCat({ name: 'Snowball', lives: 9, vaccinated: true })));
      const bella = await store.put(ref(SuiteCat({ name: 'Bella', lives: 9, vaccinated: false })));
      const tom = await store.put(ref(SuiteKitten({ name: 'Tom', lives: 7, vaccinated: true, age: 1 })));
      await store.put(ref(SuiteCat({ name: 'Stray', lives: 9 })));
      expect(sortedUids(await store.query({ model: SuiteCat, where: { vaccinated: true } }))).toEqual(
        sortedUids([snowball, tom]),
      );
      expect(sortedUids(await store.query({ model: SuiteCat, where: { vaccinated: false } }))).toEqual([
        uidOf(bella),
      ]);
      expect(
        sortedUids(await store.query({ model: SuiteCat, where: { lives: 9, vaccinated: true } })),
      ).toEqual([uidOf(snowball)]);
    },

  'a value of another type than the field is VALIDATION_FAILED naming the field: "9" for a number, 9 for a string, 1 for a boolean':
    async ({ store }) => {
      await store.put(ref(SuiteCat({ name: '9', lives: 9, vaccinated: true })));
      for (const [field, value] of [
        ['lives', '9'],
        ['name', 9],
        ['vaccinated', 'true'],
        ['name', true],
        ['vaccinated', 1],
        ['lives', true],
        ['lives', { $eq: '9' }],
        ['lives', { $in: [9, '9'] }],
      ] as const) {
        await expectError(
          store.query({ model: SuiteCat, where: { [field]: value } }),
          'VALIDATION_FAILED',
          `'${field}'`,
        );
      }
    },

  'a free-form field matches a value of the same type only: "9" is not 9, "true" is not true, 1 is not true':
    async ({ store }) => {
      const items = await putItems(store, [{ extra: 9 }, { extra: '9' }, { extra: true }, { extra: 1 }, {}]);
      expect(await found(store, { extra: 9 })).toEqual(pick(items, 0));
      expect(await found(store, { extra: '9' })).toEqual(pick(items, 1));
      expect(await found(store, { extra: true })).toEqual(pick(items, 2));
      expect(await found(store, { extra: 1 })).toEqual(pick(items, 3));
      expect(await found(store, { extra: 'true' })).toEqual([]);
      expect(await found(store, { extra: { $in: [9, true] } })).toEqual(pick(items, 0, 2));
    },

  'query(model, where) compares lists and nested values as whole values': async ({ store }) => {
    const { bella } = await putCats(store);
    const collared = await store.put(ref(SuiteCat({ collar: SuiteCollar({ colour: 'red', size: 2 }) })));
    expect(sortedUids(await store.query({ model: SuiteCat, where: { tags: ['black', 'white'] } }))).toEqual([
      uidOf(bella),
    ]);
    expect(await store.query({ model: SuiteCat, where: { tags: ['black'] } })).toEqual([]);
    expect(await store.query({ model: SuiteCat, where: { tags: ['white', 'black'] } })).toEqual([]);
    expect(
      sortedUids(
        await store.query({
          model: SuiteCat,
          where: { collar: { model_name: 'SuiteCollar', colour: 'red', size: 2 } },
        }),
      ),
    ).toEqual([uidOf(collared)]);
  },

  'equality of objects is deep and independent of key order, at every depth, for $eq, $ne, $in and $nin':
    async ({ store }) => {
      const items = await putItems(store, [
        { meta: { a: 1, b: { c: [1, { x: 'x', y: [true, null] }], d: 'd' } } },
        { meta: { a: 1, b: { c: [1, { x: 'x', y: [null, true] }], d: 'd' } } },
        { extra: { k: 1, j: { i: 2, h: 3 } } },
        {},
      ]);
      const reordered = { b: { d: 'd', c: [1, { y: [true, null], x: 'x' }] }, a: 1 };
      expect(await found(store, { meta: reordered })).toEqual(pick(items, 0));
      expect(await found(store, { meta: { $eq: reordered } })).toEqual(pick(items, 0));
      expect(await found(store, { meta: { $ne: reordered } })).toEqual(pick(items, 1, 2, 3));
      expect(await found(store, { meta: { $in: [{ z: 1 }, reordered] } })).toEqual(pick(items, 0));
      expect(await found(store, { meta: { $nin: [reordered] } })).toEqual(pick(items, 1, 2, 3));
      expect(await found(store, { extra: { j: { h: 3, i: 2 }, k: 1 } })).toEqual(pick(items, 2));
      expect(await found(store, { extra: { j: { h: 3 }, k: 1 } })).toEqual([]);
      // A list is ordered: the same members in another order are another value.
      expect(
        await found(store, { meta: { a: 1, b: { c: [{ x: 'x', y: [true, null] }, 1], d: 'd' } } }),
      ).toEqual([]);
    },

  '$eq and plain values never match a missing value; $ne matches every other record, missing ones included':
    async ({ store }) => {
      const items = await putItems(store, [
        { name: 'a', rank: 1 },
        { name: 'b', rank: 2 },
        { rank: 3 },
        { name: 'a', rank: 4, flag: false },
      ]);
      expect(await found(store, { name: 'a' })).toEqual(pick(items, 0, 3));
      expect(await found(store, { name: { $eq: 'a' } })).toEqual(pick(items, 0, 3));
      expect(await found(store, { name: { $ne: 'a' } })).toEqual(pick(items, 1, 2));
      expect(await found(store, { flag: { $ne: true } })).toEqual(pick(items, 0, 1, 2, 3));
      expect(await found(store, { flag: { $ne: false } })).toEqual(pick(items, 0, 1, 2));
      expect(await found(store, { name: { $eq: null } })).toEqual(pick(items, 2));
      expect(await found(store, { name: { $ne: null } })).toEqual(pick(items, 0, 1, 3));
    },

  '$exists: true matches records that hold the field, false those that do not (a null in a put stores nothing)':
    async ({ store }) => {
      const items = await putItems(store, [{ name: 'a' }, { name: null, rank: 1 }, { rank: 0, tags: [] }]);
      expect(await found(store, { name: { $exists: true } })).toEqual(pick(items, 0));
      expect(await found(store, { name: { $exists: false } })).toEqual(pick(items, 1, 2));
      // 0, false and [] are values, not missing.
      expect(await found(store, { rank: { $exists: true } })).toEqual(pick(items, 1, 2));
      expect(await found(store, { tags: { $exists: true } })).toEqual(pick(items, 2));
      expect(await found(store, { tags: [] })).toEqual(pick(items, 2));
    },

  '$gt, $gte, $lt and $lte compare numbers as numbers and never match a missing value': async ({ store }) => {
    const items = await putItems(store, [
      { rank: 9 },
      { rank: 10 },
      { rank: 100 },
      { rank: -1.5 },
      { rank: 0 },
      {},
    ]);
    expect(await found(store, { rank: { $gt: 9 } })).toEqual(pick(items, 1, 2));
    expect(await found(store, { rank: { $gte: 9 } })).toEqual(pick(items, 0, 1, 2));
    expect(await found(store, { rank: { $lt: 9 } })).toEqual(pick(items, 3, 4));
    expect(await found(store, { rank: { $lte: 0 } })).toEqual(pick(items, 3, 4));
    expect(await found(store, { rank: { $gt: -2, $lt: 10 } })).toEqual(pick(items, 0, 3, 4));
    expect(await found(store, { rank: { $gte: 1000 } })).toEqual([]);
    expect(await found(store, { rank: 1.0 - 1 })).toEqual(pick(items, 4));
  },

  '$gt, $gte, $lt and $lte compare strings by code point: upper case before lower case, é after z, astral characters last':
    async ({ store }) => {
      const names = ['B', 'a', 'z', 'é', '\uFFFD', '😀', 'ab', ''];
      const items = await putItems(
        store,
        names.map((name) => ({ name })),
      );
      expect(await found(store, { name: { $gt: 'a' } })).toEqual(pick(items, 2, 3, 4, 5, 6));
      expect(await found(store, { name: { $lt: 'a' } })).toEqual(pick(items, 0, 7));
      expect(await found(store, { name: { $gt: '\uFFFD' } })).toEqual(pick(items, 5));
      expect(await found(store, { name: { $gte: 'z', $lte: '\uFFFD' } })).toEqual(pick(items, 2, 3, 4));
      const sorted = await store.query({ model: SuiteItem, orderBy: [{ field: 'name' }] });
      expect(uids(sorted)).toEqual(
        uids(['', 'B', 'a', 'ab', 'z', 'é', '\uFFFD', '😀'].map((n) => items[names.indexOf(n)]!)),
      );
    },

  'comparisons on a free-form field match only values of the operand type': async ({ store }) => {
    const items = await putItems(store, [{ extra: 9 }, { extra: '9' }, { extra: true }, { extra: [10] }, {}]);
    expect(await found(store, { extra: { $gt: 5 } })).toEqual(pick(items, 0));
    expect(await found(store, { extra: { $gt: '5' } })).toEqual(pick(items, 1));
    expect(await found(store, { extra: { $lt: 'z', $gt: '' } })).toEqual(pick(items, 1));
    expect(await found(store, { extra: { $contains: '9' } })).toEqual(pick(items, 1));
  },

  '$in and $nin test deep equality with any of the values; $nin matches missing values; null in the list stands for missing':
    async ({ store }) => {
      const items = await putItems(store, [
        { name: 'a', tags: ['x'] },
        { name: 'b', tags: ['x', 'y'] },
        { name: 'c' },
        { tags: [] },
      ]);
      expect(await found(store, { name: { $in: ['a', 'c', 'zzz'] } })).toEqual(pick(items, 0, 2));
      expect(await found(store, { name: { $nin: ['a', 'c'] } })).toEqual(pick(items, 1, 3));
      expect(await found(store, { name: { $in: ['b', null] } })).toEqual(pick(items, 1, 3));
      expect(await found(store, { name: { $nin: ['b', null] } })).toEqual(pick(items, 0, 2));
      expect(await found(store, { name: { $in: [] } })).toEqual([]);
      expect(await found(store, { name: { $nin: [] } })).toEqual(pick(items, 0, 1, 2, 3));
      expect(await found(store, { tags: { $in: [['x', 'y'], []] } })).toEqual(pick(items, 1, 3));
    },

  '$contains and $startsWith match strings case-sensitively': async ({ store }) => {
    const items = await putItems(store, [
      { name: 'Snowball' },
      { name: 'snow white' },
      { name: 'Tom' },
      { name: 'ball 😀' },
      {},
    ]);
    expect(await found(store, { name: { $contains: 'ball' } })).toEqual(pick(items, 0, 3));
    expect(await found(store, { name: { $contains: 'Ball' } })).toEqual([]);
    expect(await found(store, { name: { $contains: 'now' } })).toEqual(pick(items, 0, 1));
    expect(await found(store, { name: { $startsWith: 'snow' } })).toEqual(pick(items, 1));
    expect(await found(store, { name: { $startsWith: 'Snow' } })).toEqual(pick(items, 0));
    expect(await found(store, { name: { $startsWith: 'ball 😀' } })).toEqual(pick(items, 3));
    expect(await found(store, { name: { $startsWith: '' } })).toEqual(pick(items, 0, 1, 2, 3));
    // Characters LIKE or regular expressions would treat specially are plain characters.
    const special = await putItem(store, { name: '50%_off.*[x]\\' });
    expect(await found(store, { name: { $contains: '%_off.*[x]\\' } })).toEqual([uidOf(special)]);
    expect(await found(store, { name: { $startsWith: '5_' } })).toEqual([]);
    expect(await found(store, { name: { $contains: '%' } })).toEqual([uidOf(special)]);
  },

  '$and and $or combine conditions, nested at any depth, with the other conditions of their object': async ({
    store,
  }) => {
    const items = await putItems(store, [
      { name: 'a', rank: 1, flag: true },
      { name: 'b', rank: 2, flag: false },
      { name: 'c', rank: 3 },
      { name: 'd', rank: 4, flag: true },
    ]);
    expect(await found(store, { $or: [{ name: 'a' }, { rank: { $gte: 4 } }] })).toEqual(pick(items, 0, 3));
    expect(await found(store, { $and: [{ rank: { $gt: 1 } }, { rank: { $lt: 4 } }] })).toEqual(
      pick(items, 1, 2),
    );
    expect(await found(store, { flag: true, $or: [{ rank: 1 }, { rank: 2 }] })).toEqual(pick(items, 0));
    expect(
      await found(store, {
        $or: [{ $and: [{ flag: { $exists: false } }, { rank: 3 }] }, { $or: [{ name: 'b' }] }],
      }),
    ).toEqual(pick(items, 1, 2));
    expect(await found(store, { $or: [{ name: 'zzz' }] })).toEqual([]);
  },

  'query(model) includes sub-model records, each ref naming its own model': async ({ store }) => {
    const { tom } = await putCats(store);
    const found = await store.query({ model: SuiteCat, where: { name: 'Tom' } });
    expect(found.map((item) => item.record?.uid)).toEqual([uidOf(tom)]);
    expect(found[0]?.state_model_name).toBe('SuiteKitten');
    expect(found[0]?.record?.store.uid).toBe(store.uid);
  },

  'query(sub-model) leaves out records of the parent model': async ({ store }) => {
    const { tom } = await putCats(store);
    expect(sortedUids(await store.query({ model: SuiteKitten }))).toEqual([uidOf(tom)]);
  },

  "a sub-model's own fields can be used when querying the sub-model, and are unknown fields of the parent":
    async ({ store }) => {
      const plain = await putItem(store, { name: 'plain', rank: 1 });
      const low = await store.put(ref(SuiteSpecialItem({ name: 'low', rank: 2, level: 1 })));
      const high = await store.put(ref(SuiteSpecialItem({ name: 'high', rank: 3, level: 5 })));
      expect(await found(store, { level: { $gte: 2 } }, SuiteSpecialItem)).toEqual([uidOf(high)]);
      expect(await found(store, { rank: { $gte: 2 } }, SuiteSpecialItem)).toEqual(sortedUids([low, high]));
      expect(await found(store, { rank: { $gte: 1 } })).toEqual(sortedUids([plain, low, high]));
      expect(
        uids(
          await store.query({ model: SuiteSpecialItem, orderBy: [{ field: 'level', direction: 'desc' }] }),
        ),
      ).toEqual(uids([high, low]));
      expect(await store.count({ model: SuiteItem, where: { rank: { $gt: 1 } } })).toBe(2);
      await expectError(
        store.query({ model: SuiteItem, where: { level: 1 } }),
        'VALIDATION_FAILED',
        "'level'",
      );
    },

  '$has matches the records whose relationship field links to the ref, under that field only': async ({
    store,
  }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const bob = await store.put(ref(SuiteHuman({ name: 'Bob' })));
    const items = await putItems(store, [
      { name: 'a', owner: [ann] },
      { name: 'b', owner: [bob], friends: [ann] },
      { name: 'c', friends: [ann, bob] },
      { name: 'd' },
    ]);
    const special = await store.put(ref(SuiteSpecialItem({ name: 'e', owner: [ann], level: 1 })));
    expect(await found(store, { owner: { $has: ann } })).toEqual(sortedUids([items[0]!, special]));
    expect(await found(store, { friends: { $has: ann } })).toEqual(pick(items, 1, 2));
    expect(await found(store, { friends: { $has: bob } })).toEqual(pick(items, 2));
    expect(await found(store, { owner: { $has: ann } }, SuiteSpecialItem)).toEqual([uidOf(special)]);
    expect(await found(store, { $or: [{ owner: { $has: bob } }, { friends: { $has: bob } }] })).toEqual(
      pick(items, 1, 2),
    );
    expect(await found(store, { owner: { $has: ann }, name: 'a' })).toEqual(pick(items, 0));
    expect(await store.count({ model: SuiteItem, where: { friends: { $has: ann } } })).toBe(2);
    // A ref as JSON (as a transport receives it) works like a Ref.
    expect(await found(store, { owner: { $has: JSON.parse(JSON.stringify(ann)) } })).toEqual(
      sortedUids([items[0]!, special]),
    );
  },

  '$has no longer matches once the link is removed, or once the target is deleted': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const bob = await store.put(ref(SuiteHuman({ name: 'Bob' })));
    const [a, b] = await putItems(store, [
      { name: 'a', owner: [ann], friends: [bob] },
      { name: 'b', owner: [ann], friends: [bob] },
    ]);
    await store.patch(a!.withState(SuiteItem({ owner: [] })));
    expect(await found(store, { owner: { $has: ann } })).toEqual([uidOf(b!)]);
    await store.put(b!.withState(SuiteItem({ owner: [bob] })));
    expect(await found(store, { owner: { $has: ann } })).toEqual([]);
    expect(await found(store, { owner: { $has: bob } })).toEqual([uidOf(b!)]);
    expect(await found(store, { friends: { $has: bob } })).toEqual(sortedUids([a!, b!]));
    await store.delete(bob);
    expect(await found(store, { owner: { $has: bob } })).toEqual([]);
    expect(await found(store, { friends: { $has: bob } })).toEqual([]);
    expect(await store.count({ model: SuiteItem, where: { friends: { $has: bob } } })).toBe(0);
  },

  'orderBy sorts by one or more fields, ascending or descending, ties broken by uid': async ({ store }) => {
    const items = await putItems(store, [
      { name: 'x', rank: 2 },
      { name: 'y', rank: 1 },
      { name: 'x', rank: 1 },
      { name: 'y', rank: 2 },
      { name: 'x', rank: 2 },
      { name: 'x', rank: 2 },
    ]);
    const uidsOf = (indexes: number[]) => indexes.map((index) => uidOf(items[index]!));
    const tied = uidsOf([0, 4, 5]).sort(byUid);
    expect(
      uids(await store.query({ model: SuiteItem, orderBy: [{ field: 'rank' }, { field: 'name' }] })),
    ).toEqual([uidOf(items[2]!), uidOf(items[1]!), ...tied, uidOf(items[3]!)]);
    expect(
      uids(
        await store.query({
          model: SuiteItem,
          orderBy: [
            { field: 'name', direction: 'desc' },
            { field: 'rank', direction: 'asc' },
          ],
        }),
      ),
    ).toEqual([uidOf(items[1]!), uidOf(items[3]!), uidOf(items[2]!), ...tied]);
    // Ties follow the direction of the last sort key.
    expect(
      uids(
        await store.query({
          model: SuiteItem,
          where: { rank: 2, name: 'x' },
          orderBy: [{ field: 'rank', direction: 'desc' }],
        }),
      ),
    ).toEqual([...tied].reverse());
    // Without orderBy, records come by uid.
    expect(uids(await store.query({ model: SuiteItem }))).toEqual(uidsOf([0, 1, 2, 3, 4, 5]).sort(byUid));
  },

  'orderBy puts records missing the field after all others ascending, and before them descending': async ({
    store,
  }) => {
    const items = await putItems(store, [{ rank: 2 }, {}, { rank: 1 }, { flag: true }]);
    const missing = [uidOf(items[1]!), uidOf(items[3]!)].sort(byUid);
    expect(uids(await store.query({ model: SuiteItem, orderBy: [{ field: 'rank' }] }))).toEqual([
      uidOf(items[2]!),
      uidOf(items[0]!),
      ...missing,
    ]);
    expect(
      uids(await store.query({ model: SuiteItem, orderBy: [{ field: 'rank', direction: 'desc' }] })),
    ).toEqual([...[...missing].reverse(), uidOf(items[0]!), uidOf(items[2]!)]);
    const flags = await store.query({ model: SuiteItem, orderBy: [{ field: 'flag' }, { field: 'rank' }] });
    expect(uids(flags)[0]).toBe(uidOf(items[3]!));
  },

  'booleans sort false before true': async ({ store }) => {
    const items = await putItems(store, [{ flag: true }, { flag: false }, {}]);
    expect(uids(await store.query({ model: SuiteItem, orderBy: [{ field: 'flag' }] }))).toEqual(
      uids([items[1]!, items[0]!, items[2]!]),
    );
  },

  'limit returns the first records in order, and query with a where, orderBy and limit returns states when asked':
    async ({ store }) => {
      const items = await putItems(
        store,
        Array.from({ length: 12 }, (_, index) => ({ name: `n${index % 3}`, rank: index })),
      );
      const first = await store.query({
        model: SuiteItem,
        where: { name: { $in: ['n0', 'n1'] } },
        orderBy: [{ field: 'rank', direction: 'desc' }],
        limit: 3,
        includeStates: true,
      });
      expect(uids(first)).toEqual(uids([items[10]!, items[9]!, items[7]!]));
      expect(first.map((item) => item.state?.rank)).toEqual([10, 9, 7]);
      expect(await store.query({ model: SuiteItem, limit: 20 })).toHaveLength(12);
      expect(await store.query({ model: SuiteItem, limit: 1, where: { rank: { $gt: 100 } } })).toEqual([]);
    },

  'queryPage returns every record exactly once across pages, in order, and a null cursor after the last':
    async ({ store }) => {
      const items = await putItems(
        store,
        Array.from({ length: 23 }, (_, index) => ({ rank: index % 5, name: `i${index}` })),
      );
      const query: SuiteQuery = { model: SuiteItem, orderBy: [{ field: 'rank' }], limit: 5 };
      const pages = await allPages(store, query);
      expect(uids(pages)).toEqual(
        uids(await store.query({ model: SuiteItem, orderBy: [{ field: 'rank' }] })),
      );
      expect(sortedUids(pages)).toEqual(sortedUids(items));
      const first = await store.queryPage({ ...query, includeStates: true });
      expect(first.refs).toHaveLength(5);
      expect(first.refs.every((item) => item.state?.rank === 0)).toBe(true);
      expect(typeof first.nextCursor).toBe('string');
      const exact = await store.queryPage({ model: SuiteItem, limit: 23 });
      expect(exact.refs).toHaveLength(23);
      expect(exact.nextCursor).toBeNull();
      const empty = await store.queryPage({ model: SuiteItem, where: { rank: 99 } });
      expect(empty).toEqual({ refs: [], nextCursor: null });
      // The page size may change from one page to the next.
      const next = await store.queryPage({ ...query, limit: 7, cursor: first.nextCursor });
      expect(uids(next.refs)).toEqual(uids(pages.slice(5, 12)));
    },

  'queryPage skips and repeats no record that exists throughout, while others are inserted and deleted between and during pages':
    async ({ store }) => {
      const initial = await putItems(
        store,
        Array.from({ length: 40 }, (_, index) => ({ rank: index % 7, name: `i${index}` })),
      );
      const deleted = new Set<string>();
      const inserted: RefTo[] = [];
      for (const orderBy of [
        [{ field: 'rank' }],
        [{ field: 'rank', direction: 'desc' as const }, { field: 'name' }],
        [],
      ]) {
        const seen = await allPages(
          store,
          { model: SuiteItem, where: { rank: { $gte: 0 } }, orderBy, limit: 6 },
          async (page) => {
            // Between pages: delete records both ahead of and behind the position, insert others everywhere.
            const victims = initial.filter((item) => !deleted.has(uidOf(item))).slice(page, page + 2);
            for (const victim of victims) deleted.add(uidOf(victim));
            const writes: Promise<unknown>[] = [];
            for (const victim of victims) writes.push(store.delete(victim));
            for (let index = 0; index < 3; index++)
              writes.push(
                putItem(store, { rank: (page + index) % 7, name: `new${page}-${index}` }).then((r) =>
                  inserted.push(r),
                ),
              );
            await Promise.all(writes);
          },
        );
        const seenUids = uids(seen);
        expect(new Set(seenUids).size, 'no record is returned twice').toBe(seenUids.length);
        const survivors = initial.map(uidOf).filter((uid) => !deleted.has(uid));
        for (const uid of survivors) expect(seenUids, `record ${uid} exists throughout`).toContain(uid);
      }
      expect(inserted.length).toBeGreaterThan(0);
    },

  'count returns the number of matching records, sub-models included': async ({ store }) => {
    await putItems(store, [{ rank: 1 }, { rank: 2 }, { rank: 3 }, {}]);
    await store.put(ref(SuiteSpecialItem({ rank: 5, level: 1 })));
    expect(await store.count({ model: SuiteItem })).toBe(5);
    expect(await store.count({ model: SuiteItem, where: { rank: { $gte: 2 } } })).toBe(3);
    expect(await store.count({ model: SuiteItem, where: { rank: { $exists: false } } })).toBe(1);
    expect(await store.count({ model: SuiteSpecialItem })).toBe(1);
    expect(await store.count({ model: SuiteGang })).toBe(0);
  },

  'iterate yields every matching record once, in order, a page at a time, with states when asked': async ({
    store,
  }) => {
    const items = await putItems(
      store,
      Array.from({ length: 17 }, (_, index) => ({ rank: index % 4, name: `i${index}` })),
    );
    const all = await collect(
      store.iterate({ model: SuiteItem, orderBy: [{ field: 'rank' }], pageSize: 3, includeStates: true }),
    );
    expect(uids(all)).toEqual(uids(await store.query({ model: SuiteItem, orderBy: [{ field: 'rank' }] })));
    expect(all.every((item) => typeof item.state?.rank === 'number')).toBe(true);
    expect(sortedUids(all)).toEqual(sortedUids(items));
    const some = await collect(store.iterate({ model: SuiteItem, where: { rank: 2 } }));
    expect(sortedUids(some)).toEqual(sortedUids(items.filter((_, index) => index % 4 === 2)));
    expect(await collect(store.iterate({ model: SuiteGang }))).toEqual([]);
  },

  'iterate misses and repeats no record that exists throughout while others are inserted and deleted':
    async ({ store }) => {
      const initial = await putItems(
        store,
        Array.from({ length: 30 }, (_, index) => ({ rank: index % 5 })),
      );
      const deleted = new Set<string>();
      const seen: string[] = [];
      let step = 0;
      for await (const item of store.iterate({
        model: SuiteItem,
        orderBy: [{ field: 'rank' }],
        pageSize: 4,
      })) {
        seen.push(uidOf(item));
        if (step++ % 3 === 0) {
          const victim = initial.find(
            (candidate) => !deleted.has(uidOf(candidate)) && !seen.includes(uidOf(candidate)),
          );
          if (victim) {
            deleted.add(uidOf(victim));
            await store.delete(victim);
          }
          await putItem(store, { rank: step % 5 });
        }
      }
      expect(new Set(seen).size).toBe(seen.length);
      for (const item of initial) if (!deleted.has(uidOf(item))) expect(seen).toContain(uidOf(item));
      expect(deleted.size).toBeGreaterThan(0);
    },

  'a 1 MiB string is found by equality and $startsWith, and sorts among short strings': async ({ store }) => {
    const long = `m${'x'.repeat(1024 * 1024)}`;
    const longer = `${long}y`;
    const items = await putItems(store, [{ name: long }, { name: longer }, { name: 'm' }, { name: 'n' }]);
    expect(await found(store, { name: long })).toEqual(pick(items, 0));
    expect(await found(store, { name: { $in: [longer] } })).toEqual(pick(items, 1));
    expect(await found(store, { name: { $startsWith: long } })).toEqual(pick(items, 0, 1));
    expect(await found(store, { name: { $gt: long } })).toEqual(pick(items, 1, 3));
    expect(uids(await store.query({ model: SuiteItem, orderBy: [{ field: 'name' }] }))).toEqual(
      uids([items[2]!, items[0]!, items[1]!, items[3]!]),
    );
  },

  'random queries answer as the language defines them: every operator, $and/$or, missing values, sorting and limits':
    async ({ store }) => {
      const seed = 20_261_201;
      const rng = random(seed);
      const owners = await Promise.all(
        ['Ann', 'Bob', 'Cy'].map((name) => store.put(ref(SuiteHuman({ name })))),
      );
      for (let index = 0; index < 60; index++) {
        const init: Record<string, unknown> = {};
        if (rng.chance(0.8)) init.name = rng.pick(NAMES);
        if (rng.chance(0.8)) init.rank = rng.pick(RANKS);
        if (rng.chance(0.6)) init.flag = rng.chance(0.5);
        if (rng.chance(0.6)) init.tags = rng.pick([[], ['x'], ['x', 'y'], ['y', 'x']]);
        if (rng.chance(0.5)) init.meta = rng.pick([{ p: 1, q: 'q' }, { q: 'q', p: 1 }, { p: 1 }]);
        if (rng.chance(0.6)) init.extra = rng.pick(EXTRAS);
        if (rng.chance(0.5)) init.owner = [rng.pick(owners)];
        if (rng.chance(0.2)) await store.put(ref(SuiteSpecialItem({ ...(init as ItemInit), level: index })));
        else await putItem(store, init as ItemInit);
      }
      // The reference: the language's own definitions (@constelite/store) over the stored states.
      const states = await store.query({ model: SuiteItem, includeStates: true });
      const records = states.map((item) => {
        const {
          model_name: _model,
          owner,
          friends: _friends,
          readings: _readings,
          ...fields
        } = item.state as Record<string, unknown>;
        return {
          uid: uidOf(item),
          fields: fields as Record<string, never>,
          owners: uids(owner as Ref[] | undefined),
        };
      });
      const context = {
        registry: SuiteItem.registry,
        resolveHas: async (target: { uid: string | null }) => target.uid!,
      };
      let answered = 0;
      for (let round = 0; round < 120; round++) {
        const where = randomWhere(rng, owners);
        const orderBy = rng.chance(0.7)
          ? [
              { field: rng.pick(['name', 'rank', 'flag']), direction: rng.pick(['asc', 'desc'] as const) },
              ...(rng.chance(0.4) ? [{ field: 'rank', direction: rng.pick(['asc', 'desc'] as const) }] : []),
            ].filter((key, index, keys) => keys.findIndex((other) => other.field === key.field) === index)
          : [];
        const limit = rng.chance(0.5) ? 1 + Math.floor(rng.next() * 10) : undefined;
        const { plan } = await compileQuery(
          context,
          SuiteItem,
          { where, orderBy, limit },
          {
            method: 'query',
            defaultLimit: null,
            paged: false,
          },
        );
        const hasLink = (field: string, target: string, uid: string) =>
          field === 'owner' && records.find((record) => record.uid === uid)!.owners.includes(target);
        const compare = comparator(plan);
        const expected = records
          .filter((record) => matches(plan.where as Condition | null, record.uid, record.fields, hasLink))
          .map((record) => ({ uid: record.uid, values: sortValues(record.fields, plan.orderBy) }))
          .sort(compare)
          .slice(0, limit ?? records.length)
          .map((entry) => entry.uid);
        const label = `seed ${seed}, round ${round}: ${JSON.stringify({ where, orderBy, limit })}`;
        expect(
          uids(await store.query({ model: SuiteItem, where, orderBy, ...(limit ? { limit } : {}) })),
          label,
        ).toEqual(expected);
        if (limit === undefined)
          expect(await store.count({ model: SuiteItem, where }), label).toBe(expected.length);
        if (expected.length > 0 && expected.length < records.length) answered++;
      }
      // Most rounds select some records and leave out others, so they test something.
      expect(answered).toBeGreaterThan(50);
    },

  'a write that fails leaves nothing a query can find, and the values before it stay found': async ({
    store,
  }) => {
    const item = await putItem(store, { name: 'kept', rank: 1 });
    const missing = missingRef(store, SuiteHuman);
    await expectError(putItem(store, { name: 'ghost', rank: 2, owner: [missing] }), 'RECORD_NOT_FOUND');
    await expectError(
      store.patch(item.withState(SuiteItem({ name: 'changed', rank: 3, owner: [missing] }))),
      'RECORD_NOT_FOUND',
    );
    expect(await found(store, { name: 'ghost' })).toEqual([]);
    expect(await found(store, { name: 'changed' })).toEqual([]);
    expect(await found(store, { rank: { $gte: 2 } })).toEqual([]);
    expect(await found(store, { name: 'kept', rank: 1 })).toEqual([uidOf(item)]);
    expect(
      uids(
        await store.query({ model: SuiteItem, orderBy: [{ field: 'rank' }], where: { rank: { $gt: 0 } } }),
      ),
    ).toEqual([uidOf(item)]);
  },

  'query returns refs without state unless includeStates is true': async ({ store }) => {
    await putCats(store);
    const found = await store.query({ model: SuiteCat });
    expect(found).toHaveLength(3);
    expect(found.every((item) => item.state === null)).toBe(true);
    expect(
      (await store.query({ model: SuiteCat, includeStates: false })).every((item) => item.state === null),
    ).toBe(true);
  },

  'query(includeStates: true) returns the full state of each record': async ({ store }) => {
    const { tom } = await putCats(store);
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    await store.patch(tom.withState(SuiteKitten({ carer: [ann] })));
    const found = await store.query({ model: SuiteCat, where: { name: 'Tom' }, includeStates: true });
    expect(found).toHaveLength(1);
    expect(found[0]?.state).toMatchObject({ model_name: 'SuiteKitten', name: 'Tom', lives: 7, age: 1 });
    expect(uids(found[0]?.state?.carer as Ref[] | undefined)).toEqual([uidOf(ann)]);
  },

  'query of a model without records returns an empty list': async ({ store }) => {
    await putCats(store);
    expect(await store.query({ model: SuiteGang })).toEqual([]);
    expect(await store.query({ model: SuiteGang, includeStates: true })).toEqual([]);
  },

  'query leaves out deleted records': async ({ store }) => {
    const { snowball, bella, tom } = await putCats(store);
    await store.delete(snowball);
    expect(sortedUids(await store.query({ model: SuiteCat }))).toEqual(sortedUids([bella, tom]));
    expect(await store.query({ model: SuiteCat, where: { name: 'Snowball' } })).toEqual([]);
  },

  'query sees the values written by put and patch': async ({ store }) => {
    const { snowball, bella } = await putCats(store);
    await store.patch(snowball.withState(SuiteCat({ name: 'Snowball II' })));
    expect(await store.query({ model: SuiteCat, where: { name: 'Snowball' } })).toEqual([]);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { name: 'Snowball II' } }))).toEqual([
      uidOf(snowball),
    ]);
    await store.put(snowball.withState(SuiteCat({ lives: 8 })));
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 9 } }))).toEqual([uidOf(bella)]);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: 8 } }))).toEqual([
      uidOf(snowball),
    ]);
    expect(
      sortedUids(await store.query({ model: SuiteCat, where: { lives: 8, name: 'Snowball II' } })),
    ).toEqual([uidOf(snowball)]);
    expect(sortedUids(await store.query({ model: SuiteCat, where: { lives: { $gt: 8 } } }))).toEqual([
      uidOf(bella),
    ]);
  },

  'a field the model does not have is VALIDATION_FAILED naming it: __proto__, constructor and prototype included, never dropped':
    async ({ store }) => {
      await putItem(store, { name: 'a' });
      for (const where of [
        { nmae: 'a' },
        JSON.parse('{"__proto__": {"name": "a"}}'),
        JSON.parse('{"constructor": "a"}'),
        JSON.parse('{"prototype": "a"}'),
        JSON.parse('{"$or": [{"__proto__": "a"}]}'),
        JSON.parse('{"toString": "a"}'),
      ] as Record<string, unknown>[]) {
        const field = Object.keys(where)[0] === '$or' ? '__proto__' : Object.keys(where)[0]!;
        await expectError(store.query({ model: SuiteItem, where }), 'VALIDATION_FAILED', `'${field}'`);
        await expectError(store.count({ model: SuiteItem, where }), 'VALIDATION_FAILED', `'${field}'`);
      }
      // An object literal's __proto__ sets its prototype: the condition would vanish, so it is refused.
      await expectError(
        store.query({ model: SuiteItem, where: { __proto__: { name: 'b' } } as Record<string, unknown> }),
        'VALIDATION_FAILED',
        '__proto__',
      );
      await expectError(
        store.query({ model: SuiteItem, orderBy: [{ field: '__proto__' }] }),
        'VALIDATION_FAILED',
        "'__proto__'",
      );
    },

  'an operator the field does not allow is VALIDATION_FAILED naming the field and the operator': async ({
    store,
  }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    for (const [field, condition, operator] of [
      ['tags', { $gt: ['a'] }, '$gt'],
      ['tags', { $contains: 'a' }, '$contains'],
      ['rank', { $contains: '1' }, '$contains'],
      ['rank', { $startsWith: '1' }, '$startsWith'],
      ['flag', { $gt: false }, '$gt'],
      ['meta', { $lt: {} }, '$lt'],
      ['name', { $has: ann }, '$has'],
      ['name', { $regex: 'a.*' }, '$regex'],
      ['name', { $gt: 'a', $like: 'b' }, '$like'],
      ['owner', { $eq: [ann] }, '$eq'],
      ['owner', { $has: ann, $exists: true }, '$exists'],
    ] as const) {
      await expectError(
        store.query({ model: SuiteItem, where: { [field]: condition } }),
        'VALIDATION_FAILED',
        `'${field}'`,
        operator,
      );
    }
    await expectError(
      store.query({ model: SuiteItem, where: { $nor: [{ name: 'a' }] } }),
      'VALIDATION_FAILED',
      '$nor',
    );
  },

  'an operand of the wrong type is VALIDATION_FAILED naming the field and the operator': async ({
    store,
  }) => {
    for (const [field, condition, operator] of [
      ['rank', { $gt: '1' }, '$gt'],
      ['name', { $lte: 3 }, '$lte'],
      ['rank', { $in: 'abc' }, '$in'],
      ['rank', { $nin: [1, 'x'] }, '$nin'],
      ['name', { $exists: 'yes' }, '$exists'],
      ['name', { $contains: 1 }, '$contains'],
      ['name', { $startsWith: null }, '$startsWith'],
      ['extra', { $gt: true }, '$gt'],
      ['extra', { $gte: [1] }, '$gte'],
      ['tags', { $eq: 'a' }, '$eq'],
      ['tags', { $ne: [1] }, '$ne'],
      ['owner', { $has: 'not a ref' }, '$has'],
      ['owner', { $has: { record: null } }, '$has'],
    ] as const) {
      await expectError(
        store.query({ model: SuiteItem, where: { [field]: condition } }),
        'VALIDATION_FAILED',
        `'${field}'`,
        operator,
      );
    }
    for (const where of [{ $or: [] }, { $and: 'x' }, { $or: ['x'] }]) {
      await expectError(
        store.query({ model: SuiteItem, where }),
        'VALIDATION_FAILED',
        Object.keys(where)[0]!,
      );
    }
    await expectError(
      store.query({ model: SuiteItem, where: [{ name: 'a' }] as unknown as Record<string, unknown> }),
      'VALIDATION_FAILED',
      'where',
    );
  },

  'querying a dynamic field, a backref or a relationship by value is VALIDATION_FAILED naming the field':
    async ({ store }) => {
      await expectError(store.query({ model: SuiteCat, where: { carer: [] } }), 'VALIDATION_FAILED', 'carer');
      await expectError(
        store.query({ model: SuiteItem, where: { readings: { points: [] } } }),
        'VALIDATION_FAILED',
        'readings',
      );
      await expectError(
        store.query({ model: SuiteHuman, where: { cats: { $exists: true } } }),
        'VALIDATION_FAILED',
        'cats',
      );
    },

  '$has with a ref to a record of another model is VALIDATION_FAILED; with a ref of another store, WRONG_STORE':
    async ({ store }) => {
      const cat = await store.put(ref(SuiteCat({ name: 'Tom' })));
      await expectError(
        store.query({ model: SuiteItem, where: { owner: { $has: cat } } }),
        'VALIDATION_FAILED',
        "'owner'",
        '$has',
      );
      await expectError(
        store.query({ model: SuiteItem, where: { owner: { $has: foreignRef(SuiteHuman) } } }),
        'WRONG_STORE',
      );
    },

  'sorting by a relationship, a list, a free-form or an unknown field is VALIDATION_FAILED naming the field':
    async ({ store }) => {
      for (const field of ['owner', 'friends', 'tags', 'meta', 'extra', 'readings', 'nope']) {
        await expectError(
          store.query({ model: SuiteItem, orderBy: [{ field }] }),
          'VALIDATION_FAILED',
          `'${field}'`,
          'orderBy',
        );
      }
      for (const orderBy of [
        [{ field: 'rank', direction: 'up' }],
        [{ field: 'rank' }, { field: 'rank' }],
        [{ field: 'rank', dir: 'asc' }],
        'rank',
      ]) {
        await expectError(
          store.query({ model: SuiteItem, orderBy: orderBy as SuiteQuery['orderBy'] }),
          'VALIDATION_FAILED',
          'orderBy',
        );
      }
    },

  'limit and pageSize must be whole numbers from 1 to 10,000: anything else is VALIDATION_FAILED naming them':
    async ({ store }) => {
      await putItems(store, [{ rank: 1 }, { rank: 2 }]);
      for (const limit of [0, -1, 1.5, 10_001, Number.NaN, '10']) {
        await expectError(
          store.query({ model: SuiteItem, limit: limit as number }),
          'VALIDATION_FAILED',
          'limit',
        );
        await expectError(
          store.queryPage({ model: SuiteItem, limit: limit as number }),
          'VALIDATION_FAILED',
          'limit',
        );
        await expectError(
          collect(store.iterate({ model: SuiteItem, pageSize: limit as number })),
          'VALIDATION_FAILED',
          'pageSize',
        );
      }
      expect(await store.query({ model: SuiteItem, limit: 10_000 })).toHaveLength(2);
      expect((await store.queryPage({ model: SuiteItem, limit: 10_000 })).refs).toHaveLength(2);
    },

  'a malformed cursor, or one from another query, is VALIDATION_FAILED naming the cursor': async ({
    store,
  }) => {
    await putItems(
      store,
      Array.from({ length: 5 }, (_, index) => ({ rank: index, name: `n${index}` })),
    );
    const query: SuiteQuery = {
      model: SuiteItem,
      where: { rank: { $gte: 0 } },
      orderBy: [{ field: 'rank' }],
      limit: 2,
    };
    const { nextCursor } = await store.queryPage(query);
    expect(nextCursor).toEqual(expect.any(String));
    const cursor = nextCursor!;
    expect((await store.queryPage({ ...query, cursor })).refs).toHaveLength(2);
    for (const other of [
      { ...query, where: { rank: { $gte: 1 } } },
      { ...query, orderBy: [{ field: 'rank', direction: 'desc' as const }] },
      { ...query, orderBy: [{ field: 'name' }] },
      { ...query, orderBy: [] },
      { ...query, model: SuiteSpecialItem },
    ]) {
      await expectError(store.queryPage({ ...other, cursor }), 'VALIDATION_FAILED', 'cursor');
    }
    for (const bad of ['', 'not a cursor!', 'abc', cursor.slice(0, -3), `${cursor}x`, btoa('{"v":1}'), 42]) {
      await expectError(store.queryPage({ ...query, cursor: bad as string }), 'VALIDATION_FAILED', 'cursor');
    }
  },
} satisfies Record<string, SuiteTest>;
