import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, expectError, stateOf, uidOf, uids } from '../helpers.js';
import { SuiteBook, SuiteCat, SuiteGang, SuiteHuman, SuiteKitten, SuiteNote, SuitePage } from '../models.js';
import type { SuiteContext, SuiteTest } from '../types.js';

/** Skips the test at once for a store that does not declare `capabilities.persistent`. */
function requirePersistent({ store, skip }: SuiteContext): void {
  if (!store.capabilities?.persistent) skip('the store does not declare capabilities.persistent');
}

/**
 * For stores whose driver declares `capabilities.persistent`: what was written is still there,
 * exactly, after the store is closed and opened again on the same storage (`reopenStore`).
 */
export const persistenceCases = {
  'static, nested, dynamic and sub-model data survive a close and reopen': async (context) => {
    requirePersistent(context);
    const { store } = context;
    const cat = await store.put(
      ref(
        SuiteCat({
          name: 'Snowball',
          lives: 9,
          vaccinated: false,
          tags: ['white', 'fluffy'],
          info: { colour: 'white', indoor: true },
          collar: { model_name: 'SuiteCollar', colour: 'red', size: 3 },
          weight: { points: [{ timestamp: 2, value: 4.5 }] },
        }),
      ),
    );
    await store.patch(cat.withState(SuiteCat({ weight: { points: [{ timestamp: 1, value: 4 }] } })));
    const kitten = await store.put(ref(SuiteKitten({ name: 'Tom', age: 1 })));
    const before = stateOf(await store.get(cat));

    const reopened = await context.reopen(store);
    expect(reopened.uid).toBe(store.uid);
    expect(stateOf(await reopened.get(cat))).toEqual(before);
    expect(stateOf(await reopened.get(cat)).weight).toEqual({
      points: [
        { timestamp: 1, value: 4 },
        { timestamp: 2, value: 4.5 },
      ],
    });
    const gotKitten = await reopened.get(kitten);
    expect(gotKitten.state_model_name).toBe('SuiteKitten');
    expect(stateOf(gotKitten)).toMatchObject({ model_name: 'SuiteKitten', name: 'Tom', age: 1 });
    expect(await count(reopened, SuiteCat)).toBe(2);
    expect(await reopened.query({ model: SuiteCat, where: { name: 'Snowball' } })).toHaveLength(1);
  },

  'links, composition members and backrefs survive a close and reopen': async (context) => {
    requirePersistent(context);
    const { store } = context;
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(ref(SuiteCat({ name: 'Snowball', carer: [ann] })));
    const gang = await store.put(ref(SuiteGang({ name: 'Alley', members: [cat] })));
    const book = await store.put(
      ref(
        SuiteBook({
          title: 'Cats',
          editor: [ann],
          pages: [ref(SuitePage({ index: 1, author: [ann], notes: [ref(SuiteNote({ text: 'a' }))] }))],
        }),
      ),
    );

    const reopened = await context.reopen(store);
    expect(uids(stateOf(await reopened.get(cat)).carer)).toEqual([uidOf(ann)]);
    expect(uids(stateOf(await reopened.get(cat)).gangs)).toEqual([uidOf(gang)]);
    const human = stateOf(await reopened.get(ann));
    expect(uids(human.cats)).toEqual([uidOf(cat)]);
    expect(human.authored).toHaveLength(1);
    const pages = stateOf(await reopened.get(book)).pages ?? [];
    expect(pages).toHaveLength(1);
    expect(stateOf(await reopened.get(pages[0]!)).notes).toHaveLength(1);
    // The cascade still works on the reopened store: the book takes its page and note with it.
    await reopened.delete(book);
    expect(await count(reopened, SuitePage)).toBe(0);
    expect(await count(reopened, SuiteNote)).toBe(0);
  },

  'the order of relationship lists survives a close and reopen': async (context) => {
    requirePersistent(context);
    const { store } = context;
    const cats = [];
    for (const name of ['a', 'b', 'c', 'd', 'e']) cats.push(await store.put(ref(SuiteCat({ name }))));
    const [a, b, c, d, e] = cats as [
      (typeof cats)[0],
      (typeof cats)[0],
      (typeof cats)[0],
      (typeof cats)[0],
      (typeof cats)[0],
    ];
    const gang = await store.put(ref(SuiteGang({ members: [d, a, c] })));
    await store.patch(gang.withState(SuiteGang({ members: [e, b] })));
    await store.put(gang.withState(SuiteGang({ members: [d, c, e, b] })));
    const book = await store.put(
      ref(SuiteBook({ pages: [3, 1, 2].map((index) => ref(SuitePage({ index }))) })),
    );
    const pageOrder = async (from: typeof store) =>
      Promise.all(
        (stateOf(await from.get(book)).pages ?? []).map(async (page) => stateOf(await from.get(page)).index),
      );

    const reopened = await context.reopen(store);
    expect(uids(stateOf(await reopened.get(gang)).members)).toEqual([d, c, e, b].map(uidOf));
    expect(await pageOrder(reopened)).toEqual([3, 1, 2]);
    // Appends after the reopen go after the links from before it.
    await reopened.patch(gang.withState(SuiteGang({ members: [a] })));
    expect(uids(stateOf(await reopened.get(gang)).members)).toEqual([d, c, e, b, a].map(uidOf));
  },

  'deletes survive a close and reopen': async (context) => {
    requirePersistent(context);
    const { store } = context;
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(ref(SuiteCat({ name: 'Snowball', carer: [ann] })));
    await store.delete(ann);

    const reopened = await context.reopen(store);
    await expectError(reopened.get(ann), 'RECORD_NOT_FOUND', uidOf(ann));
    expect(uids(stateOf(await reopened.get(cat)).carer)).toEqual([]);
    expect(await count(reopened, SuiteHuman)).toBe(0);
  },

  'a store reopened twice still has every write made between the reopens': async (context) => {
    requirePersistent(context);
    const first = await context.store.put(ref(SuiteHuman({ name: 'Ann' })));
    const once = await context.reopen(context.store);
    const second = await once.put(ref(SuiteHuman({ name: 'Bob' })));
    await once.patch(first.withState(SuiteHuman({ age: 40 })));
    const twice = await context.reopen(once);
    expect(stateOf(await twice.get(first))).toMatchObject({ name: 'Ann', age: 40 });
    expect(stateOf(await twice.get(second))).toMatchObject({ name: 'Bob' });
    expect(await count(twice, SuiteHuman)).toBe(2);
  },
} satisfies Record<string, SuiteTest>;
