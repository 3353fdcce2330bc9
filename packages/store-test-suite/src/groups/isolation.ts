import { ref } from '@constelite/core';
import { expect } from 'vitest';
import { stateOf, uidOf, uids } from '../helpers.js';
import { SuiteCat, SuiteGang, SuiteHuman } from '../models.js';
import type { SuiteTest } from '../types.js';

/** Callers hold copies: mutating what they passed in or received never changes stored data. */
export const isolationCases = {
  'changing a state after put does not change the stored record': async ({ store }) => {
    const state = SuiteCat({
      name: 'Snowball',
      tags: ['white'],
      info: { colour: 'white' },
      weight: { points: [{ timestamp: 1, value: 4 }] },
    });
    const sent = ref(state);
    const saved = await store.put(sent);
    state.name = 'Changed';
    state.tags?.push('changed');
    if (state.info) state.info.colour = 'changed';
    state.weight?.points.push({ timestamp: 2, value: 5 });
    expect(stateOf(await store.get(saved))).toMatchObject({
      name: 'Snowball',
      tags: ['white'],
      info: { colour: 'white' },
      weight: { points: [{ timestamp: 1, value: 4 }] },
    });
  },

  'changing a state received from get does not change the stored record': async ({ store }) => {
    const ann = await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const saved = await store.put(
      ref(SuiteCat({ name: 'Snowball', tags: ['white'], info: { colour: 'white' }, carer: [ann] })),
    );
    const got = stateOf(await store.get(saved));
    got.name = 'Changed';
    got.tags?.push('changed');
    if (got.info) got.info.colour = 'changed';
    const carer = got.carer?.[0];
    if (carer?.record) carer.record.uid = 'changed';
    got.carer?.push(ann);
    const again = stateOf(await store.get(saved));
    expect(again).toMatchObject({ name: 'Snowball', tags: ['white'], info: { colour: 'white' } });
    expect(uids(again.carer)).toEqual([uidOf(ann)]);
  },

  'changing states returned by query(includeStates) does not change stored records': async ({ store }) => {
    await store.put(ref(SuiteCat({ name: 'Snowball', tags: ['white'] })));
    const [found] = await store.query({ model: SuiteCat, includeStates: true });
    const state = found?.state as { tags?: string[]; name?: string } | undefined;
    state?.tags?.push('changed');
    if (state) state.name = 'Changed';
    const [again] = await store.query({ model: SuiteCat, includeStates: true });
    expect(again?.state).toMatchObject({ name: 'Snowball', tags: ['white'] });
  },

  'put does not change the refs and states the caller passed in': async ({ store }) => {
    const member = ref(SuiteCat({ name: 'a', tags: ['x'] }));
    const gangState = SuiteGang({ name: 'Alley', members: [member] });
    const sent = ref(gangState);
    const snapshot = JSON.stringify(sent);
    await store.put(sent);
    await store.patch((await store.put(ref(SuiteGang({ name: 'Roof' })))).withState(gangState));
    expect(JSON.stringify(sent)).toBe(snapshot);
    expect(member.record).toBeNull();
    expect(member.state).toEqual({ model_name: 'SuiteCat', name: 'a', tags: ['x'] });
  },
} satisfies Record<string, SuiteTest>;
