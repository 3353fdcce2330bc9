import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, expectError, missingRef, rawRef, sortedUids, stateOf, uidOf, uids } from '../helpers.js';
import { SuiteBook, SuiteCat, SuiteGang, SuiteHuman, SuiteNote, SuitePage } from '../models.js';
import type { SuiteTest } from '../types.js';
import { putBook } from './relationships.js';

/** A put/patch that fails part-way leaves no trace. */
export const atomicityCases = {
  'a nested put failing on a deep link to a missing record leaves no record of it behind': async ({
    store,
  }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const missing = missingRef(store, SuiteHuman);
    const book = ref(
      SuiteBook({
        title: 'Cats',
        editor: [ann],
        pages: [
          ref(SuitePage({ index: 1, notes: [ref(SuiteNote({ text: 'a' }))] })),
          ref(SuitePage({ index: 2, notes: [ref(SuiteNote({ text: 'b' }))], author: [missing] })),
        ],
      }),
    );
    await expectError(store.put(book), 'RECORD_NOT_FOUND', uidOf(missing));
    expect(await count(store, SuiteBook)).toBe(0);
    expect(await count(store, SuitePage)).toBe(0);
    expect(await count(store, SuiteNote)).toBe(0);
    expect(uids(stateOf(await store.get(ann)).authored)).toEqual([]);
  },

  'a failed put(record) leaves the record, its relationships and its composition members as before': async ({
    store,
  }) => {
    const { book, pages, notes } = await putBook(store);
    const missing = missingRef(store, SuitePage);
    await expectError(
      store.put(book.withState(SuiteBook({ title: 'Dogs', pages: [ref(SuitePage({ index: 3 })), missing] }))),
      'RECORD_NOT_FOUND',
      uidOf(missing),
    );
    const after = stateOf(await store.get(book));
    expect(after.title).toBe('Cats');
    expect(uids(after.pages)).toEqual(uids(pages));
    expect(await count(store, SuitePage)).toBe(2);
    expect(await count(store, SuiteNote)).toBe(notes.length);
  },

  'a failed patch leaves the record as before': async ({ store }) => {
    const a = await store.put(ref(SuiteCat({ name: 'a' })));
    const gang = await store.put(ref(SuiteGang({ name: 'Alley', members: [a] })));
    const missing = missingRef(store, SuiteCat);
    await expectError(
      store.patch(
        gang.withState(SuiteGang({ name: 'Roof', members: [ref(SuiteCat({ name: 'new' })), missing] })),
      ),
      'RECORD_NOT_FOUND',
      uidOf(missing),
    );
    const after = stateOf(await store.get(gang));
    expect(after.name).toBe('Alley');
    expect(uids(after.members)).toEqual([uidOf(a)]);
    expect(await count(store, SuiteCat)).toBe(1);
    expect(uids(stateOf(await store.get(a)).gangs)).toEqual([uidOf(gang)]);
  },

  'a failed patch of static, dynamic and relationship fields together changes none of them': async ({
    store,
  }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(
      ref(SuiteCat({ name: 'Snowball', carer: [ann], weight: { points: [{ timestamp: 1, value: 4 }] } })),
    );
    const patch = rawRef({
      state_model_name: 'SuiteCat',
      record: cat.record,
      state: {
        model_name: 'SuiteCat',
        name: 'Changed',
        weight: { points: [{ timestamp: 2, value: 5 }] },
        carer: [ref(SuiteHuman({ name: 'Bob' })), missingRef(store, SuiteHuman)],
      },
    });
    await expectError(store.patch(patch), 'RECORD_NOT_FOUND');
    const after = stateOf(await store.get(cat));
    expect(after.name).toBe('Snowball');
    expect(after.weight).toEqual({ points: [{ timestamp: 1, value: 4 }] });
    expect(uids(after.carer)).toEqual([uidOf(ann)]);
    expect(await count(store, SuiteHuman)).toBe(1);
  },

  'a failed put restores the links it removed in their original order': async ({ store }) => {
    // The book's readers are written before its editor, whose missing record fails the put:
    // the links removed by then must come back in their places, not at the end of the list.
    const readers = [];
    for (const name of ['a', 'b', 'c', 'd']) readers.push(await store.put(ref(SuiteHuman({ name }))));
    const [a, b, c, d] = readers as [
      (typeof readers)[0],
      (typeof readers)[0],
      (typeof readers)[0],
      (typeof readers)[0],
    ];
    const book = await store.put(
      ref(SuiteBook({ readers: [a, b, c, d], pages: [1, 2, 3].map((index) => ref(SuitePage({ index }))) })),
    );
    const pages = stateOf(await store.get(book)).pages ?? [];
    const [p1, , p3] = pages;
    const missing = missingRef(store, SuiteHuman);
    const attempts = [
      // Some links dropped, the rest kept in order.
      SuiteBook({ readers: [a, d], editor: [missing] }),
      // A new order: the whole list rewritten.
      SuiteBook({ readers: [d, c, b, a], editor: [missing] }),
      // Every link dropped.
      SuiteBook({ readers: [], editor: [missing] }),
      // Composition members dropped (and deleted, with the links to them).
      SuiteBook({ pages: [p1!, p3!], editor: [missing] }),
    ];
    for (const state of attempts) {
      await expectError(store.put(book.withState(state)), 'RECORD_NOT_FOUND', uidOf(missing));
      const after = stateOf(await store.get(book));
      expect(uids(after.readers)).toEqual([a, b, c, d].map(uidOf));
      expect(uids(after.pages)).toEqual(uids(pages));
    }
    // And appends after the rollbacks still go at the end.
    const e = await store.put(ref(SuiteHuman({ name: 'e' })));
    await store.patch(book.withState(SuiteBook({ readers: [e] })));
    expect(uids(stateOf(await store.get(book)).readers)).toEqual([a, b, c, d, e].map(uidOf));
  },

  'a failed delete-by-put of composition members restores the backrefs of the records they linked': async ({
    store,
  }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const book = await store.put(
      ref(SuiteBook({ pages: [1, 2, 3].map((index) => ref(SuitePage({ index, author: [ann] }))) })),
    );
    const before = sortedUids(stateOf(await store.get(ann)).authored);
    const pages = stateOf(await store.get(book)).pages ?? [];
    await expectError(
      store.put(book.withState(SuiteBook({ pages: [pages[0]!], editor: [missingRef(store, SuiteHuman)] }))),
      'RECORD_NOT_FOUND',
    );
    expect(sortedUids(stateOf(await store.get(ann)).authored)).toEqual(before);
    expect(await count(store, SuitePage)).toBe(3);
  },

  'a failed put leaves the store usable and later writes succeed': async ({ store }) => {
    await expectError(
      store.put(ref(SuiteCat({ carer: [missingRef(store, SuiteHuman)] }))),
      'RECORD_NOT_FOUND',
    );
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    expect(stateOf(await store.get(saved)).name).toBe('Snowball');
    expect(await count(store, SuiteCat)).toBe(1);
  },
} satisfies Record<string, SuiteTest>;
