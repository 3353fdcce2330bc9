import { randomUUID } from 'node:crypto';
import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, expectError, missingRef, rawRef, stateOf, uidOf } from '../helpers.js';
import { SuiteBook, SuiteCat, SuiteHuman, SuitePage } from '../models.js';
import type { SuiteContext, SuiteStore, SuiteTest } from '../types.js';

const byGuid = (model: string, guid: string | null) => rawRef({ state_model_name: model, guid });

/** Enables guids on `store` and skips the test unless the store keeps them itself (`guidKeeping === 'driver'`). */
function requireOwnGuids(context: SuiteContext, store: SuiteStore = context.store): void {
  context.enableGuids(store);
  if (store.guidKeeping !== 'driver')
    context.skip('the store keeps no guids of its own (guidKeeping is not "driver")');
}

/**
 * Guids kept by the store itself (a driver that declares `capabilities.guids`): written in the
 * same transaction as the records they name, so they outlive a restart with their records, a
 * failed write leaves no link behind, and one guid names at most one record of a store even
 * when writes race.
 */
export const guidStorageCases = {
  'guids survive a close and reopen: a guid still finds its record and every ref carries it': async (
    context,
  ) => {
    requireOwnGuids(context);
    if (!context.store.capabilities?.persistent)
      context.skip('the store does not declare capabilities.persistent');
    const { store } = context;
    const guid = randomUUID();
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' }), { guid }));
    const cat = await store.put(ref(SuiteCat({ name: 'Snowball', carer: [ann] })));
    const reopened = await context.reopen(store);
    context.enableGuids(reopened);
    const found = await reopened.get(byGuid('SuiteHuman', guid));
    expect(found.record?.uid).toBe(uidOf(ann));
    expect(found.guid).toBe(guid);
    const gotCat = await reopened.get(cat);
    expect(gotCat.guid).toBe(cat.guid);
    expect(stateOf(gotCat).carer?.[0]?.guid).toBe(guid);
    expect((await reopened.query({ model: SuiteCat }))[0]?.guid).toBe(cat.guid);
    // The guid still names the same record: a put with it writes there instead of creating one.
    await reopened.put(ref(SuiteHuman({ name: 'Ann II' }), { guid }));
    expect(await count(reopened, SuiteHuman)).toBe(1);
  },

  'a delete drops the guid link with the record, also after a reopen': async (context) => {
    requireOwnGuids(context);
    const { store } = context;
    const guid = randomUUID();
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' }), { guid }));
    await store.delete(saved);
    let current: SuiteStore = store;
    if (store.capabilities?.persistent) {
      current = await context.reopen(store);
      context.enableGuids(current);
    }
    await expectError(current.get(byGuid('SuiteCat', guid)), 'RECORD_NOT_FOUND', guid);
    const again = await current.put(ref(SuiteCat({ name: 'Bella' }), { guid }));
    expect(uidOf(again)).not.toBe(uidOf(saved));
    expect(again.guid).toBe(guid);
  },

  'concurrent puts of one new guid make one record, which every put wrote to': async (context) => {
    requireOwnGuids(context);
    const { store } = context;
    const guid = randomUUID();
    const names = Array.from({ length: 8 }, (_, index) => `cat ${index}`);
    const saved = await Promise.all(names.map((name) => store.put(ref(SuiteCat({ name }), { guid }))));
    expect(new Set(saved.map(uidOf)).size).toBe(1);
    expect(saved.every((each) => each.guid === guid)).toBe(true);
    expect(await count(store, SuiteCat)).toBe(1);
    expect(names).toContain(stateOf(await store.get(byGuid('SuiteCat', guid))).name);
  },

  'a write that fails halfway leaves no guid link behind, for the record or its new members': async (
    context,
  ) => {
    requireOwnGuids(context);
    const { store } = context;
    const [bookGuid, pageGuid] = [randomUUID(), randomUUID()];
    const missing = missingRef(store, SuiteHuman);
    const book = ref(
      SuiteBook({
        title: 'Cats',
        pages: [
          ref(SuitePage({ index: 1 }), { guid: pageGuid }),
          ref(SuitePage({ index: 2, author: [missing] })),
        ],
      }),
      { guid: bookGuid },
    );
    await expectError(store.put(book), 'RECORD_NOT_FOUND', uidOf(missing));
    await expectError(store.get(byGuid('SuiteBook', bookGuid)), 'RECORD_NOT_FOUND', bookGuid);
    await expectError(store.get(byGuid('SuitePage', pageGuid)), 'RECORD_NOT_FOUND', pageGuid);
    expect(await count(store, SuitePage)).toBe(0);
    // Both guids are free: a later put takes them for new records.
    const page = await store.put(ref(SuitePage({ index: 3 }), { guid: pageGuid }));
    expect(page.guid).toBe(pageGuid);
    expect(await count(store, SuitePage)).toBe(1);
  },

  'a failed put onto an existing record keeps its guid and gives it no other': async (context) => {
    requireOwnGuids(context);
    const { store } = context;
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const missing = missingRef(store, SuiteHuman);
    await expectError(
      store.put(saved.withState(SuiteCat({ name: 'Bella', carer: [missing] }))),
      'RECORD_NOT_FOUND',
      uidOf(missing),
    );
    const got = await store.get(saved);
    expect(got.guid).toBe(saved.guid);
    expect(stateOf(got).name).toBe('Snowball');
    expect((await store.get(byGuid('SuiteCat', saved.guid))).record?.uid).toBe(uidOf(saved));
  },
} satisfies Record<string, SuiteTest>;
