import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { stateOf } from '../helpers.js';
import { SuiteCat } from '../models.js';
import type { SuiteTest } from '../types.js';

const points = (...pairs: [number, number][]) => ({
  points: pairs.map(([timestamp, value]) => ({ timestamp, value })),
});

/** Dynamic (time series) fields: PUT replaces, PATCH appends, a repeated timestamp replaces its point. */
export const dynamicCases = {
  'put(new record) stores a dynamic series ordered by timestamp': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ weight: points([2, 4.1], [1, 4.0]) })));
    expect(stateOf(await store.get(saved)).weight).toEqual(points([1, 4.0], [2, 4.1]));
  },

  'put(ref with record) replaces a dynamic series': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ weight: points([1, 4.0], [2, 4.1]) })));
    await store.put(saved.withState(SuiteCat({ weight: points([3, 5.0]) })));
    expect(stateOf(await store.get(saved)).weight).toEqual(points([3, 5.0]));
  },

  'patch(ref) appends dynamic points': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ weight: points([1, 4.0]) })));
    await store.patch(saved.withState(SuiteCat({ weight: points([3, 4.3], [2, 4.2]) })));
    expect(stateOf(await store.get(saved)).weight).toEqual(points([1, 4.0], [2, 4.2], [3, 4.3]));
  },

  'patch(ref) replaces a dynamic point whose timestamp is already present': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ weight: points([1, 4.0], [2, 4.1]) })));
    await store.patch(saved.withState(SuiteCat({ weight: points([2, 9.9]) })));
    expect(stateOf(await store.get(saved)).weight).toEqual(points([1, 4.0], [2, 9.9]));
  },

  'patch(ref) re-sending the same series is harmless': async ({ store }) => {
    const series = points([1, 4.0], [2, 4.1]);
    const saved = await store.put(ref(SuiteCat({ weight: series })));
    await store.patch(saved.withState(SuiteCat({ weight: series })));
    await store.patch(saved.withState(SuiteCat({ weight: series })));
    expect(stateOf(await store.get(saved)).weight).toEqual(series);
  },

  'patch(ref) of a record without the dynamic field starts its series': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball' })));
    await store.patch(saved.withState(SuiteCat({ weight: points([5, 4.5]) })));
    expect(stateOf(await store.get(saved))).toMatchObject({ name: 'Snowball', weight: points([5, 4.5]) });
  },
} satisfies Record<string, SuiteTest>;
