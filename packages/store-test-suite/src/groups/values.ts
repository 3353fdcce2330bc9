import { randomUUID } from 'node:crypto';
import { dynamic, ref, stateModel } from '@constelite/core';
import { expect } from 'vitest';
import { z } from 'zod';
import { count, rawRef, sortedUids, stateOf, uidOf } from '../helpers.js';
import { SuiteGang } from '../models.js';
import type { SuiteStore, SuiteTest } from '../types.js';

/**
 * Free-form values: whatever JSON a caller stores, a store gives back exactly (the keys of
 * an object in any order). Registered in the default registry with the suite's other models.
 */
export const SuiteBlob = stateModel('SuiteBlob', {
  name: z.string(),
  data: z.unknown(),
  map: z.record(z.string(), z.unknown()),
  notes: z.array(z.string()),
  readings: dynamic(z.unknown()),
});

/** Keys that name prototype machinery in JavaScript: data like any other key in a stored value. */
const prototypeKeys = () =>
  JSON.parse(`{
    "__proto__": { "isAdmin": true, "__proto__": { "deep": [ { "__proto__": null } ] } },
    "constructor": { "prototype": { "polluted": true }, "name": "Object" },
    "prototype": [ { "constructor": 1 }, { "__proto__": "text" } ],
    "k": 1
  }`) as Record<string, unknown>;

/** Checks, beyond `toEqual`, that every `__proto__` key of `expected` is an own key of `actual` at the same place. */
function expectSameJson(actual: unknown, expected: unknown, where = 'value'): void {
  expect(actual, where).toEqual(expected);
  if (typeof expected !== 'object' || expected === null) return;
  expect(typeof actual === 'object' && actual !== null, `${where} is an object or list`).toBe(true);
  const got = actual as Record<string, unknown>;
  if (!Array.isArray(expected))
    expect(Object.getPrototypeOf(got), `${where} is a plain object`).toBe(Object.prototype);
  expect(Object.keys(got).sort(), `the keys of ${where}`).toEqual(Object.keys(expected).sort());
  for (const key of Object.keys(expected)) {
    expect(Object.hasOwn(got, key), `${where}.${key} is an own key`).toBe(true);
    expectSameJson(got[key], (expected as Record<string, unknown>)[key], `${where}.${key}`);
  }
}

/** A string with every character class that needs care: NUL, lone surrogates, controls, astral and combining characters. */
const awkward = 'a\u0000b\ud800c\udfffd\u0001e\u001f\u007f\\u0000\u2028\ufeff😺\ud83d\u0301\uffff';
const awkwardKeys = () => ({ 'nul\u0000key': 1, 'lone\ud800': 2, '\u0001': 3, '': 4, '\\u0000': 5 });

/** A string of `bytes` UTF-8 bytes made of `unit`, with `tail` appended. */
const longString = (bytes: number, unit = 'x', tail = '') =>
  unit.repeat(Math.ceil(bytes / Buffer.byteLength(unit))) + tail;

async function blobState(store: SuiteStore, uid: string) {
  return stateOf(await store.get(rawRef({ state_model_name: 'SuiteBlob', record: recordOf(store, uid) })));
}

const recordOf = (store: SuiteStore, uid: string) => ({
  store: { uid: store.uid, name: store.name },
  uid,
  url: null,
});

/** Stored values come back exactly as they were given, whatever their keys, size or characters. */
export const valueCases = {
  'free-form values keep __proto__, constructor and prototype keys at any depth, through put, patch, get, bulkGet and query':
    async ({ store }) => {
      const sent = () => ({
        name: 'proto',
        data: prototypeKeys(),
        map: prototypeKeys(),
        readings: { points: [{ timestamp: 1, value: prototypeKeys() }] },
      });
      const saved = await store.put(ref(SuiteBlob(sent())));
      const expected = sent();
      const check = (state: Record<string, unknown> | null | undefined, how: string) => {
        expectSameJson(state?.data, expected.data, `${how}: data`);
        expectSameJson(state?.map, expected.map, `${how}: map`);
        expectSameJson(state?.readings, expected.readings, `${how}: readings`);
      };
      check(stateOf(await store.get(saved)), 'get');
      check((await store.bulkGet([saved]))[0]?.state, 'bulkGet');
      check((await store.query({ model: SuiteBlob, includeStates: true }))[0]?.state, 'query');
      await store.patch(saved.withState(SuiteBlob({ notes: ['patched'], data: prototypeKeys() })));
      check(stateOf(await store.get(saved)), 'get after patch');
      // Nothing leaked onto a prototype, of the stored record or of anything else.
      expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      expect(Object.hasOwn(stateOf(await store.get(saved)), 'isAdmin')).toBe(false);
    },

  'a value whose top-level key is __proto__ is kept as data, and other records are unaffected': async ({
    store,
  }) => {
    const proto = await store.put(ref(SuiteBlob({ name: 'a', data: JSON.parse('{"__proto__":{"k":1}}') })));
    const plain = await store.put(ref(SuiteBlob({ name: 'b', data: { k: 2 } })));
    expectSameJson(stateOf(await store.get(proto)).data, JSON.parse('{"__proto__":{"k":1}}'));
    expectSameJson(stateOf(await store.get(plain)).data, { k: 2 });
    expectSameJson(stateOf(await store.get(plain)).map, undefined);
  },

  'a 1 MiB string is stored, read back and found by an equality query': async ({ store }) => {
    const big = longString(1024 * 1024, 'é', '!');
    const other = longString(1024 * 1024, 'é', '?');
    const saved = await store.put(ref(SuiteBlob({ name: big, notes: [big], data: { big } })));
    const near = await store.put(ref(SuiteBlob({ name: other })));
    const state = stateOf(await store.get(saved));
    expect(state.name === big, 'the name reads back unchanged').toBe(true);
    expect(state.notes?.[0] === big, 'the list item reads back unchanged').toBe(true);
    expect((state.data as { big?: string }).big === big, 'the nested string reads back unchanged').toBe(true);
    expect(sortedUids(await store.query({ model: SuiteBlob, where: { name: big } }))).toEqual([uidOf(saved)]);
    expect(sortedUids(await store.query({ model: SuiteBlob, where: { name: other } }))).toEqual([
      uidOf(near),
    ]);
    expect(await store.query({ model: SuiteBlob, where: { name: longString(1024 * 1024, 'é') } })).toEqual([]);
    await store.patch(saved.withState(SuiteBlob({ name: `${big}${big}` })));
    expect(stateOf(await store.get(saved)).name === `${big}${big}`, 'a 2 MiB patch reads back').toBe(true);
    expect(await store.query({ model: SuiteBlob, where: { name: big } })).toEqual([]);
  },

  'strings around every index size limit are stored and told apart by equality queries': async ({ store }) => {
    // Byte lengths either side of the limits of common index implementations (e.g. PostgreSQL's
    // 2,704-byte btree row and 8 KB page), in one-, two-, three- and four-byte characters.
    const names: string[] = [];
    for (const bytes of [1000, 2000, 2700, 2710, 2730, 8200, 100_000])
      for (const unit of ['x', 'ß', '€', '😺']) names.push(longString(bytes, unit, 'a'), longString(bytes, unit, 'b'));
    const saved = new Map<string, string>();
    for (const name of names) saved.set(name, uidOf(await store.put(ref(SuiteBlob({ name })))));
    for (const name of names) {
      const found = await store.query({ model: SuiteBlob, where: { name } });
      expect(sortedUids(found), `query of a ${Buffer.byteLength(name)}-byte string`).toEqual([saved.get(name)]);
      expect(
        (await blobState(store, saved.get(name)!)).name === name,
        `a ${Buffer.byteLength(name)}-byte string reads back unchanged`,
      ).toBe(true);
    }
  },

  'strings with NUL bytes, lone surrogates and control characters are stored faithfully and found by equality queries':
    async ({ store }) => {
      const saved = await store.put(
        ref(
          SuiteBlob({
            name: awkward,
            notes: [awkward, '\u0000', '\ud800', '\u0001\u0001'],
            data: { [awkward]: awkward, list: [awkward], keys: awkwardKeys() },
            map: awkwardKeys(),
            readings: { points: [{ timestamp: 1, value: awkward }] },
          }),
        ),
      );
      const lookalike = await store.put(ref(SuiteBlob({ name: awkward.replaceAll('\u0000', '\ufffd') })));
      const escaped = await store.put(ref(SuiteBlob({ name: awkward.replaceAll('\u0000', '\u0001') })));
      const state = stateOf(await store.get(saved));
      expect(state.name === awkward, 'the name reads back unchanged').toBe(true);
      expect(state.notes).toEqual([awkward, '\u0000', '\ud800', '\u0001\u0001']);
      expectSameJson(state.data, { [awkward]: awkward, list: [awkward], keys: awkwardKeys() }, 'data');
      expectSameJson(state.map, awkwardKeys(), 'map');
      expect(state.readings?.points[0]?.value === awkward, 'the dynamic point reads back unchanged').toBe(true);
      for (const [name, record] of [
        [awkward, saved],
        [awkward.replaceAll('\u0000', '\ufffd'), lookalike],
        [awkward.replaceAll('\u0000', '\u0001'), escaped],
      ] as const) {
        expect(sortedUids(await store.query({ model: SuiteBlob, where: { name } }))).toEqual([uidOf(record)]);
      }
      expect(sortedUids(await store.query({ model: SuiteBlob, where: { notes: state.notes } }))).toEqual([
        uidOf(saved),
      ]);
      expect(await store.query({ model: SuiteBlob, where: { name: '\u0000' } })).toEqual([]);
    },

  'a ref whose record uid holds a NUL byte or a lone surrogate is RECORD_NOT_FOUND or VALIDATION_FAILED, never a fault':
    async ({ store }) => {
      await store.put(ref(SuiteBlob({ name: 'kept' })));
      for (const uid of [`${randomUUID()}\u0000`, '\u0000', `${randomUUID()}\ud800`, '\udfff', 'a\u0000\ud800']) {
        const target = rawRef({ state_model_name: 'SuiteBlob', record: recordOf(store, uid) });
        const attempts: [string, () => Promise<unknown>][] = [
          ['get', () => store.get(target)],
          ['bulkGet', () => store.bulkGet([target])],
          ['patch', () => store.patch(target.withState(SuiteBlob({ name: 'x' })))],
          ['put', () => store.put(target.withState(SuiteBlob({ name: 'x' })))],
          ['delete', () => store.delete(target)],
          [
            'a relationship to it',
            () =>
              store.put(
                ref(SuiteGang({ name: 'g', members: [rawRef({ state_model_name: 'SuiteCat', record: recordOf(store, uid) })] })),
              ),
          ],
        ];
        for (const [how, attempt] of attempts) {
          const error = await attempt().then(
            () => null,
            (caught: unknown) => caught as { code?: unknown },
          );
          expect(error, `${how} of uid ${JSON.stringify(uid)} should fail`).not.toBeNull();
          expect(['RECORD_NOT_FOUND', 'VALIDATION_FAILED'], `${how}: ${String(error)}`).toContain(error?.code);
        }
      }
      expect(await count(store, SuiteBlob)).toBe(1);
      expect(await count(store, SuiteGang)).toBe(0);
    },
} satisfies Record<string, SuiteTest>;
