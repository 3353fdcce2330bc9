import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { count, stateOf, uidOf } from '../helpers.js';
import { SuiteCat, SuiteGang } from '../models.js';
import type { SuiteTest } from '../types.js';

/** Concurrent writes never lose each other's effects. */
export const concurrencyCases = {
  '100 concurrent patches appending to one aggregation leave exactly 100 members': async ({ store }) => {
    const gang = await store.put(ref(SuiteGang({ name: 'Alley' })));
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        store.patch(gang.withState(SuiteGang({ members: [ref(SuiteCat({ name: `cat ${index}` }))] }))),
      ),
    );
    const members = stateOf(await store.get(gang)).members ?? [];
    expect(members).toHaveLength(100);
    expect(new Set(members.map(uidOf)).size).toBe(100);
    expect(await count(store, SuiteCat)).toBe(100);
  },

  'concurrent puts and patches on one record lose none of their effects': async ({ store }) => {
    const cat = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    const gang = await store.put(ref(SuiteGang({ name: 'Alley' })));
    const cats = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.put(ref(SuiteCat({ name: `m${i}` })))),
    );
    await Promise.all([
      store.put(cat.withState(SuiteCat({ lives: 3 }))),
      store.put(cat.withState(SuiteCat({ tags: ['white'] }))),
      store.patch(cat.withState(SuiteCat({ name: 'Snowball II' }))),
      store.patch(cat.withState(SuiteCat({ info: { indoor: true } }))),
      ...Array.from({ length: 20 }, (_, i) =>
        store.patch(cat.withState(SuiteCat({ weight: { points: [{ timestamp: i, value: i }] } }))),
      ),
      ...cats.map((member) => store.patch(gang.withState(SuiteGang({ members: [member] })))),
    ]);
    const state = stateOf(await store.get(cat));
    expect(state).toMatchObject({ name: 'Snowball II', lives: 3, tags: ['white'], info: { indoor: true } });
    expect(state.weight?.points.map((point) => point.timestamp)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(stateOf(await store.get(gang)).members ?? []).toHaveLength(10);
  },

  'concurrent creates all succeed with distinct records': async ({ store }) => {
    const saved = await Promise.all(
      Array.from({ length: 50 }, (_, i) => store.put(ref(SuiteCat({ name: `cat ${i}`, lives: i })))),
    );
    expect(new Set(saved.map(uidOf)).size).toBe(50);
    expect(await count(store, SuiteCat)).toBe(50);
  },
} satisfies Record<string, SuiteTest>;
