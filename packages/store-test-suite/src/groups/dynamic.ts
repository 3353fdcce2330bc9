import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { expectError, missingRef, stateOf, uidOf } from '../helpers.js';
import { SuiteCat, SuiteHuman } from '../models.js';
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

  'get with from and to gives each series only its points in that window, both bounds included': async ({
    store,
  }) => {
    const saved = await store.put(
      ref(SuiteCat({ name: 'Snowball', weight: points([1, 4.0], [2, 4.1], [3, 4.2], [4, 4.3], [5, 4.4]) })),
    );
    expect(stateOf(await store.get(saved, { from: 2, to: 4 }))).toMatchObject({
      name: 'Snowball',
      weight: points([2, 4.1], [3, 4.2], [4, 4.3]),
    });
    expect(stateOf(await store.get(saved, { from: 4 })).weight).toEqual(points([4, 4.3], [5, 4.4]));
    expect(stateOf(await store.get(saved, { to: 1 })).weight).toEqual(points([1, 4.0]));
    expect(stateOf(await store.get(saved, { from: 2.5, to: 2.9 })).weight).toBeUndefined();
    expect(stateOf(await store.get(saved)).weight?.points).toHaveLength(5);
  },

  'get with a window that is not two finite numbers in order is VALIDATION_FAILED naming the bound': async ({
    store,
  }) => {
    const saved = await store.put(ref(SuiteCat({ weight: points([1, 4.0]) })));
    await expectError(store.get(saved, { from: 3, to: 2 }), 'VALIDATION_FAILED', 'from');
    await expectError(store.get(saved, { from: Number.NaN }), 'VALIDATION_FAILED', 'from');
    await expectError(store.get(saved, { to: '5' as unknown as number }), 'VALIDATION_FAILED', 'to');
  },

  'a series takes many appends, in and out of time order, re-sent points replacing their values': async ({
    store,
  }) => {
    const saved = await store.put(ref(SuiteCat({ weight: points([500, 0]) })));
    // 200 patches: the even timestamps in order, then the odd ones backwards, then a few again.
    const order = [
      ...Array.from({ length: 100 }, (_, index) => index * 2),
      ...Array.from({ length: 100 }, (_, index) => 199 - index * 2),
    ];
    for (const timestamp of order)
      await store.patch(saved.withState(SuiteCat({ weight: points([timestamp, timestamp]) })));
    await store.patch(saved.withState(SuiteCat({ weight: points([7, -7], [8, -8], [500, 5]) })));
    const series = stateOf(await store.get(saved)).weight?.points ?? [];
    expect(series.map((point) => point.timestamp)).toEqual([
      ...Array.from({ length: 200 }, (_, index) => index),
      500,
    ]);
    expect(series.find((point) => point.timestamp === 7)?.value).toBe(-7);
    expect(series.find((point) => point.timestamp === 9)?.value).toBe(9);
    expect(series.at(-1)).toEqual({ timestamp: 500, value: 5 });
  },

  'a series without points reads as a field never written': async ({ store }) => {
    const saved = await store.put(ref(SuiteCat({ name: 'Snowball', weight: { points: [] } })));
    expect(stateOf(await store.get(saved)).weight).toBeUndefined();
    await store.patch(saved.withState(SuiteCat({ weight: points([1, 4.0]) })));
    await store.put(saved.withState(SuiteCat({ weight: { points: [] } })));
    expect(stateOf(await store.get(saved))).toMatchObject({ name: 'Snowball' });
    expect(stateOf(await store.get(saved)).weight).toBeUndefined();
  },

  'a failed write leaves its series as it was: points appended and a series replaced are rolled back':
    async ({ store }) => {
      const saved = await store.put(ref(SuiteCat({ weight: points([1, 4.0], [2, 4.1]) })));
      const missing = missingRef(store, SuiteHuman);
      await expectError(
        store.patch(saved.withState(SuiteCat({ weight: points([3, 4.2], [1, 0]), carer: [missing] }))),
        'RECORD_NOT_FOUND',
        uidOf(missing),
      );
      await expectError(
        store.put(saved.withState(SuiteCat({ weight: points([9, 9]), carer: [missing] }))),
        'RECORD_NOT_FOUND',
        uidOf(missing),
      );
      expect(stateOf(await store.get(saved)).weight).toEqual(points([1, 4.0], [2, 4.1]));
    },
} satisfies Record<string, SuiteTest>;
