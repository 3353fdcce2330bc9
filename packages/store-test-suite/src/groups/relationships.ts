import { type Ref, ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, expectError, missingRef, sortedUids, stateOf, uidOf, uids } from '../helpers.js';
import { SuiteBook, SuiteCat, SuiteGang, SuiteHuman, SuiteKitten, SuiteNote, SuitePage } from '../models.js';
import type { SuiteStore, SuiteTest } from '../types.js';

/** A book with two pages; the first page has two notes. Returns the refs of everything. */
export async function putBook(store: SuiteStore) {
  const book = await store.put(
    ref(
      SuiteBook({
        title: 'Cats',
        pages: [
          ref(SuitePage({ index: 1, notes: [ref(SuiteNote({ text: 'a' })), ref(SuiteNote({ text: 'b' }))] })),
          ref(SuitePage({ index: 2 })),
        ],
      }),
    ),
  );
  const pages = stateOf(await store.get(book)).pages ?? [];
  const [first, second] = pages;
  if (!first || !second) throw new Error('the book should have two pages');
  const notes = stateOf(await store.get(first)).notes ?? [];
  return { book, pages, first, second, notes };
}

/** Relationship lists: links, creation of carried states, replace/append rules, cascades. */
export const relationshipCases = {
  'put(owner) with state-only refs creates the linked records, recursively': async ({ store }) => {
    const { book, pages, first, second, notes } = await putBook(store);
    expect(pages).toHaveLength(2);
    expect(pages.every((page) => page.state === null)).toBe(true);
    expect(pages.map((page) => page.state_model_name)).toEqual(['SuitePage', 'SuitePage']);
    expect(stateOf(await store.get(first)).index).toBe(1);
    expect(stateOf(await store.get(second)).index).toBe(2);
    expect(notes).toHaveLength(2);
    expect((await store.bulkGet(notes)).map((note) => note.state?.text)).toEqual(['a', 'b']);
    expect(await count(store, SuitePage)).toBe(2);
    expect(await count(store, SuiteNote)).toBe(2);
    expect(stateOf(await store.get(book)).title).toBe('Cats');
  },

  'put(owner) with a ref to an existing record (record, no state) links that record': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(ref(SuiteCat({ name: 'Snowball', carer: [ann.strip()] })));
    expect(uids(stateOf(await store.get(cat)).carer)).toEqual([uidOf(ann)]);
    expect(await count(store, SuiteHuman)).toBe(1);
  },

  'a ref with a record and a state in an association writes that state onto the linked record': async ({
    store,
  }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann', age: 30 })));
    const cat = await store.put(
      ref(SuiteCat({ name: 'Snowball', carer: [ann.withState(SuiteHuman({ name: 'Ann B' }))] })),
    );
    expect(stateOf(await store.get(ann))).toMatchObject({ name: 'Ann B', age: 30 });
    await store.patch(cat.withState(SuiteCat({ carer: [ann.withState(SuiteHuman({ age: 31 }))] })));
    expect(stateOf(await store.get(ann))).toMatchObject({ name: 'Ann B', age: 31 });
    expect(uids(stateOf(await store.get(cat)).carer)).toEqual([uidOf(ann)]);
    expect(await count(store, SuiteHuman)).toBe(1);
  },

  'a ref with a record and a state in an aggregation is written with put rules under put, patch rules under patch':
    async ({ store }) => {
      const weight = (...times: number[]) => ({
        points: times.map((timestamp) => ({ timestamp, value: timestamp })),
      });
      const cat = await store.put(ref(SuiteCat({ name: 'Snowball', weight: weight(1) })));
      const gang = await store.put(
        ref(SuiteGang({ name: 'Alley', members: [cat.withState(SuiteCat({ weight: weight(2) }))] })),
      );
      // put replaces a series ...
      expect(stateOf(await store.get(cat)).weight).toEqual(weight(2));
      // ... and patch appends to it.
      await store.patch(
        gang.withState(SuiteGang({ members: [cat.withState(SuiteCat({ weight: weight(3) }))] })),
      );
      expect(stateOf(await store.get(cat))).toMatchObject({ name: 'Snowball', weight: weight(2, 3) });
      expect(uids(stateOf(await store.get(gang)).members)).toEqual([uidOf(cat)]);
    },

  'a ref with a record and a state in a composition is written onto the member, its own compositions by the same rules':
    async ({ store }) => {
      const { book, first, second, notes } = await putBook(store);
      const [a] = notes;
      await store.put(
        book.withState(
          SuiteBook({ pages: [first.withState(SuitePage({ index: 10, notes: [a!] })), second] }),
        ),
      );
      // put: the page's notes are replaced, so the dropped note is deleted with it.
      expect(stateOf(await store.get(first)).index).toBe(10);
      expect(uids(stateOf(await store.get(first)).notes)).toEqual([uidOf(a!)]);
      expect(await count(store, SuiteNote)).toBe(1);
      // patch: the page's notes are appended to.
      await store.patch(
        book.withState(
          SuiteBook({ pages: [first.withState(SuitePage({ notes: [ref(SuiteNote({ text: 'c' }))] }))] }),
        ),
      );
      const after = stateOf(await store.get(first)).notes ?? [];
      expect(after).toHaveLength(2);
      expect(uids(after)[0]).toBe(uidOf(a!));
      expect(uids(stateOf(await store.get(book)).pages)).toEqual([uidOf(first), uidOf(second)]);
    },

  'a linked record’s state that cannot be written fails the owner’s write, and nothing of it stays': async ({
    store,
  }) => {
    const a = await store.put(ref(SuiteCat({ name: 'a' })));
    const b = await store.put(ref(SuiteCat({ name: 'b' })));
    const missing = missingRef(store, SuiteHuman);
    await expectError(
      store.put(
        ref(
          SuiteGang({
            name: 'Alley',
            members: [
              a.withState(SuiteCat({ name: 'a2' })),
              b.withState(SuiteCat({ name: 'b2', carer: [missing] })),
            ],
          }),
        ),
      ),
      'RECORD_NOT_FOUND',
      uidOf(missing),
    );
    expect(stateOf(await store.get(a)).name).toBe('a');
    expect(stateOf(await store.get(b)).name).toBe('b');
    expect(await count(store, SuiteGang)).toBe(0);
  },

  'put(owner) linking a missing record is a RECORD_NOT_FOUND error naming the uid': async ({ store }) => {
    const missing = missingRef(store, SuiteHuman);
    await expectError(
      store.put(ref(SuiteCat({ name: 'Snowball', carer: [missing] }))),
      'RECORD_NOT_FOUND',
      uidOf(missing),
    );
    expect(await count(store, SuiteCat)).toBe(0);
  },

  'patch(owner) linking a missing record is a RECORD_NOT_FOUND error naming the uid': async ({ store }) => {
    const gang = await store.put(ref(SuiteGang({ name: 'Alley' })));
    const missing = missingRef(store, SuiteCat);
    await expectError(
      store.patch(gang.withState(SuiteGang({ members: [missing] }))),
      'RECORD_NOT_FOUND',
      uidOf(missing),
    );
    expect(stateOf(await store.get(gang)).members ?? []).toHaveLength(0);
  },

  'put(owner) linking a record of the wrong model is a VALIDATION_FAILED error': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const disguised = missingRef(store, SuiteCat);
    disguised.record = ann.record;
    await expectError(
      store.put(ref(SuiteGang({ name: 'Alley', members: [disguised] }))),
      'VALIDATION_FAILED',
    );
    expect(await count(store, SuiteGang)).toBe(0);
  },

  'a relationship may link a record of a sub-model, which keeps its own model name': async ({ store }) => {
    const gang = await store.put(
      ref(
        SuiteGang({
          name: 'Alley',
          members: [ref(SuiteKitten({ name: 'Tom', age: 1 })), ref(SuiteCat({ name: 'Bella' }))],
        }),
      ),
    );
    const members = stateOf(await store.get(gang)).members ?? [];
    expect(members.map((member) => member.state_model_name)).toEqual(['SuiteKitten', 'SuiteCat']);
  },

  'a relationship list keeps the order it was written in': async ({ store }) => {
    const cats = await Promise.all(['a', 'b', 'c', 'd'].map((name) => store.put(ref(SuiteCat({ name })))));
    const [a, b, c, d] = cats as [(typeof cats)[0], (typeof cats)[0], (typeof cats)[0], (typeof cats)[0]];
    const gang = await store.put(ref(SuiteGang({ members: [c, a, d] })));
    expect(uids(stateOf(await store.get(gang)).members)).toEqual([c, a, d].map(uidOf));
    await store.patch(gang.withState(SuiteGang({ members: [b, a] })));
    expect(uids(stateOf(await store.get(gang)).members)).toEqual([c, a, d, b].map(uidOf));
    await store.put(gang.withState(SuiteGang({ members: [d, b] })));
    expect(uids(stateOf(await store.get(gang)).members)).toEqual([d, b].map(uidOf));
  },

  'put(owner) keeping some members of a list in order removes only the dropped links (removeLinks with targets)':
    async ({ store }) => {
      const cats = [];
      for (const name of ['a', 'b', 'c', 'd', 'e']) cats.push(await store.put(ref(SuiteCat({ name }))));
      const [a, b, c, d, e] = cats as [
        (typeof cats)[number],
        (typeof cats)[number],
        (typeof cats)[number],
        (typeof cats)[number],
        (typeof cats)[number],
      ];
      const gang = await store.put(ref(SuiteGang({ members: [a, b, c, d] })));
      // Drop from the middle and the end, keep the rest in order, append one.
      await store.put(gang.withState(SuiteGang({ members: [a, c, e] })));
      expect(uids(stateOf(await store.get(gang)).members)).toEqual([a, c, e].map(uidOf));
      expect(uids(stateOf(await store.get(b)).gangs)).toEqual([]);
      expect(uids(stateOf(await store.get(d)).gangs)).toEqual([]);
      expect(uids(stateOf(await store.get(c)).gangs)).toEqual([uidOf(gang)]);
      // The same list again changes nothing; dropping the first keeps the rest in order.
      await store.put(gang.withState(SuiteGang({ members: [a, c, e] })));
      await store.put(gang.withState(SuiteGang({ members: [c, e] })));
      expect(uids(stateOf(await store.get(gang)).members)).toEqual([c, e].map(uidOf));
      // A new order of the kept members is the new order.
      await store.put(gang.withState(SuiteGang({ members: [e, b, c] })));
      expect(uids(stateOf(await store.get(gang)).members)).toEqual([e, b, c].map(uidOf));
      // A member given twice is linked once, where it first appears.
      await store.put(gang.withState(SuiteGang({ members: [e, c, e, a] })));
      expect(uids(stateOf(await store.get(gang)).members)).toEqual([e, c, a].map(uidOf));
      expect(await count(store, SuiteCat)).toBe(5);
    },

  'put(owner) dropping composition members from the middle keeps the other members in order': async ({
    store,
  }) => {
    const book = await store.put(
      ref(SuiteBook({ pages: [1, 2, 3, 4].map((index) => ref(SuitePage({ index }))) })),
    );
    const [p1, p2, p3, p4] = (stateOf(await store.get(book)).pages ?? []) as [Ref, Ref, Ref, Ref];
    await store.put(book.withState(SuiteBook({ pages: [p1, p3, ref(SuitePage({ index: 5 }))] })));
    const pages = stateOf(await store.get(book)).pages ?? [];
    expect(uids(pages).slice(0, 2)).toEqual([uidOf(p1), uidOf(p3)]);
    expect(pages).toHaveLength(3);
    await expectError(store.get(p2), 'RECORD_NOT_FOUND', uidOf(p2));
    await expectError(store.get(p4), 'RECORD_NOT_FOUND', uidOf(p4));
    expect(stateOf(await store.get(pages[2]!)).index).toBe(5);
    expect(await count(store, SuitePage)).toBe(3);
  },

  'put(owner) replaces an association and leaves the old target': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const bob = await store.put(ref(SuiteHuman({ name: 'Bob' })));
    const cat = await store.put(ref(SuiteCat({ carer: [ann] })));
    await store.put(cat.withState(SuiteCat({ carer: [bob] })));
    expect(uids(stateOf(await store.get(cat)).carer)).toEqual([uidOf(bob)]);
    expect(stateOf(await store.get(ann)).name).toBe('Ann');
  },

  'patch(owner) replaces an association': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const bob = await store.put(ref(SuiteHuman({ name: 'Bob' })));
    const cat = await store.put(ref(SuiteCat({ carer: [ann] })));
    await store.patch(cat.withState(SuiteCat({ carer: [bob] })));
    expect(uids(stateOf(await store.get(cat)).carer)).toEqual([uidOf(bob)]);
    await store.patch(cat.withState(SuiteCat({ carer: [] })));
    expect(uids(stateOf(await store.get(cat)).carer)).toEqual([]);
    expect(await count(store, SuiteHuman)).toBe(2);
  },

  'put(owner) replaces an aggregation and leaves the dropped members': async ({ store }) => {
    const gang = await store.put(
      ref(SuiteGang({ members: [ref(SuiteCat({ name: 'a' })), ref(SuiteCat({ name: 'b' }))] })),
    );
    const c = await store.put(ref(SuiteCat({ name: 'c' })));
    await store.put(gang.withState(SuiteGang({ members: [c] })));
    expect(uids(stateOf(await store.get(gang)).members)).toEqual([uidOf(c)]);
    expect(await count(store, SuiteCat)).toBe(3);
  },

  'patch(owner) appends to an aggregation': async ({ store }) => {
    const a = await store.put(ref(SuiteCat({ name: 'a' })));
    const gang = await store.put(ref(SuiteGang({ name: 'Alley', members: [a] })));
    const b = await store.put(ref(SuiteCat({ name: 'b' })));
    await store.patch(gang.withState(SuiteGang({ members: [b] })));
    await store.patch(gang.withState(SuiteGang({ members: [ref(SuiteCat({ name: 'c' }))] })));
    const members = stateOf(await store.get(gang)).members ?? [];
    expect(members).toHaveLength(3);
    expect(uids(members).slice(0, 2)).toEqual([uidOf(a), uidOf(b)]);
    expect(stateOf(await store.get(gang)).name).toBe('Alley');
  },

  'patch(owner) appending a member already present does not add it twice': async ({ store }) => {
    const a = await store.put(ref(SuiteCat({ name: 'a' })));
    const b = await store.put(ref(SuiteCat({ name: 'b' })));
    const gang = await store.put(ref(SuiteGang({ members: [a] })));
    await store.patch(gang.withState(SuiteGang({ members: [a, b, b] })));
    await store.patch(gang.withState(SuiteGang({ members: [a.strip(), b.strip()] })));
    expect(uids(stateOf(await store.get(gang)).members)).toEqual([uidOf(a), uidOf(b)]);
  },

  'patch(owner) appends to a composition': async ({ store }) => {
    const { book, first, second } = await putBook(store);
    await store.patch(book.withState(SuiteBook({ pages: [ref(SuitePage({ index: 3 }))] })));
    const pages = stateOf(await store.get(book)).pages ?? [];
    expect(pages).toHaveLength(3);
    expect(uids(pages).slice(0, 2)).toEqual([uidOf(first), uidOf(second)]);
    expect(await count(store, SuitePage)).toBe(3);
  },

  'put(owner) replacing a composition deletes the dropped members and keeps the others': async ({
    store,
  }) => {
    const { book, first, second } = await putBook(store);
    await store.put(book.withState(SuiteBook({ pages: [second, ref(SuitePage({ index: 3 }))] })));
    const pages = stateOf(await store.get(book)).pages ?? [];
    expect(pages).toHaveLength(2);
    expect(uids(pages)[0]).toBe(uidOf(second));
    await expectError(store.get(first), 'RECORD_NOT_FOUND', uidOf(first));
    expect(stateOf(await store.get(second)).index).toBe(2);
    expect(await count(store, SuitePage)).toBe(2);
  },

  'put(owner) replacing a composition deletes the dropped members recursively': async ({ store }) => {
    const { book, second, notes } = await putBook(store);
    await store.put(book.withState(SuiteBook({ pages: [second] })));
    for (const note of notes) await expectError(store.get(note), 'RECORD_NOT_FOUND', uidOf(note));
    expect(await count(store, SuiteNote)).toBe(0);
  },

  'put(owner) with an empty composition list deletes every member': async ({ store }) => {
    const { book } = await putBook(store);
    await store.put(book.withState(SuiteBook({ pages: [] })));
    expect(stateOf(await store.get(book)).pages ?? []).toHaveLength(0);
    expect(await count(store, SuitePage)).toBe(0);
    expect(await count(store, SuiteNote)).toBe(0);
  },

  'delete(owner) deletes its composition members recursively': async ({ store }) => {
    const { book, pages, notes } = await putBook(store);
    const other = await store.put(ref(SuiteBook({ pages: [ref(SuitePage({ index: 9 }))] })));
    await store.delete(book);
    for (const member of [...pages, ...notes] as Ref[])
      await expectError(store.get(member), 'RECORD_NOT_FOUND', uidOf(member));
    expect(await count(store, SuitePage)).toBe(1);
    expect(await count(store, SuiteNote)).toBe(0);
    expect(stateOf(await store.get(other)).pages ?? []).toHaveLength(1);
  },

  'delete(owner) leaves its association targets': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(ref(SuiteCat({ carer: [ann] })));
    const book = await store.put(ref(SuiteBook({ editor: [ann] })));
    await store.delete(cat);
    await store.delete(book);
    expect(stateOf(await store.get(ann)).name).toBe('Ann');
  },

  'delete(owner) leaves its aggregation members': async ({ store }) => {
    const gang = await store.put(
      ref(SuiteGang({ members: [ref(SuiteCat({ name: 'a' })), ref(SuiteCat({ name: 'b' }))] })),
    );
    const members = stateOf(await store.get(gang)).members ?? [];
    await store.delete(gang);
    expect((await store.bulkGet(members)).map((member) => member.state?.name)).toEqual(['a', 'b']);
  },

  'delete(record) removes every link to it from other records': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const bob = await store.put(ref(SuiteHuman({ name: 'Bob' })));
    const cat = await store.put(ref(SuiteCat({ name: 'Snowball', carer: [ann, bob] })));
    const keep = await store.put(ref(SuiteCat({ name: 'Bella' })));
    const gang = await store.put(ref(SuiteGang({ members: [cat, keep] })));
    const otherGang = await store.put(ref(SuiteGang({ members: [keep, cat] })));
    const book = await store.put(ref(SuiteBook({ readers: [ann], editor: [ann, bob] })));
    await store.delete(cat);
    await store.delete(ann);
    expect(uids(stateOf(await store.get(gang)).members)).toEqual([uidOf(keep)]);
    expect(uids(stateOf(await store.get(otherGang)).members)).toEqual([uidOf(keep)]);
    const bookState = stateOf(await store.get(book));
    expect(uids(bookState.readers)).toEqual([]);
    expect(uids(bookState.editor)).toEqual([uidOf(bob)]);
    expect(uids(stateOf(await store.get(bob)).cats)).toEqual([]);
  },

  'delete(composition member) removes it from its owner': async ({ store }) => {
    const { book, first, second } = await putBook(store);
    await store.delete(first);
    expect(uids(stateOf(await store.get(book)).pages)).toEqual([uidOf(second)]);
    expect(await count(store, SuiteNote)).toBe(0);
  },

  'patch(the whole state from get) with one field changed changes only that field': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const cat = await store.put(
      ref(SuiteCat({ name: 'Snowball', carer: [ann], weight: { points: [{ timestamp: 1, value: 4 }] } })),
    );
    await store.put(ref(SuiteGang({ name: 'Alley', members: [cat] })));
    const { book } = await putBook(store);
    const got = await store.get(cat);
    got.name = 'Snowball II';
    await store.patch(got);
    await store.patch(got);
    expect(stateOf(await store.get(cat))).toMatchObject({
      name: 'Snowball II',
      weight: { points: [{ timestamp: 1, value: 4 }] },
    });
    expect(uids(stateOf(await store.get(cat)).carer)).toEqual([uidOf(ann)]);
    expect(uids(stateOf(await store.get(cat)).gangs)).toHaveLength(1);

    const before = stateOf(await store.get(book));
    const gotBook = await store.get(book);
    gotBook.title = 'Dogs';
    await store.patch(gotBook);
    const after = stateOf(await store.get(book));
    expect(after.title).toBe('Dogs');
    expect(uids(after.pages)).toEqual(uids(before.pages));
    expect(await count(store, SuitePage)).toBe(2);
    expect(await count(store, SuiteNote)).toBe(2);
  },

  'put(the whole state from get) keeps every relationship and composition member': async ({ store }) => {
    const { book, pages, notes } = await putBook(store);
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    await store.patch(book.withState(SuiteBook({ readers: [ann], editor: [ann] })));
    const got = await store.get(book);
    got.title = 'Dogs';
    await store.put(got);
    const after = stateOf(await store.get(book));
    expect(after.title).toBe('Dogs');
    expect(uids(after.pages)).toEqual(uids(pages));
    expect(uids(after.readers)).toEqual([uidOf(ann)]);
    expect(uids(after.editor)).toEqual([uidOf(ann)]);
    expect(sortedUids(await store.query({ model: SuiteNote }))).toEqual(sortedUids(notes));
  },
} satisfies Record<string, SuiteTest>;
