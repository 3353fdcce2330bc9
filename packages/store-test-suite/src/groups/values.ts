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

/**
 * `toEqual`, and more: at every depth `actual` has exactly the own keys of `expected` (a
 * `__proto__` key included, which `toEqual` may not tell from a prototype) and plain objects.
 */
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

/** Code point ranges of one-, two-, three- and four-byte UTF-8 characters. */
const utf8Ranges = {
  1: [0x21, 0x7e],
  2: [0x100, 0x7ff],
  3: [0x4e00, 0x9fff],
  4: [0x1f300, 0x1f5ff],
} as const;

/**
 * A string of about `bytes` UTF-8 bytes of `width`-byte characters, with `tail` appended. The
 * characters are pseudo-random (the same for the same arguments), so that a store cannot
 * compress the string below a size limit the way it could a repeated character.
 */
function longString(bytes: number, width: 1 | 2 | 3 | 4 = 1, tail = ''): string {
  const [low, high] = utf8Ranges[width];
  let seed = bytes * 31 + width;
  const chars: string[] = [];
  for (let index = 0; index < Math.ceil(bytes / width); index++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    chars.push(String.fromCodePoint(low + (seed % (high - low + 1))));
  }
  return chars.join('') + tail;
}

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
      // What the model made of the state is what must come back. zod keeps every key of an
      // unknown value, and drops a top-level `__proto__` key of a record (its keys below are kept).
      const expected = SuiteBlob(sent());
      expect(Object.hasOwn(expected.data as object, '__proto__')).toBe(true);
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
  },

  'a 1 MiB string is stored, read back and found by an equality query': async ({ store }) => {
    const big = longString(1024 * 1024, 2, '!');
    const other = longString(1024 * 1024, 2, '?');
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
    expect(await store.query({ model: SuiteBlob, where: { name: longString(1024 * 1024, 2) } })).toEqual([]);
    await store.patch(saved.withState(SuiteBlob({ name: `${big}${big}` })));
    expect(stateOf(await store.get(saved)).name === `${big}${big}`, 'a 2 MiB patch reads back').toBe(true);
    expect(await store.query({ model: SuiteBlob, where: { name: big } })).toEqual([]);
  },

  'strings around every index size limit are stored and told apart by equality queries': async ({
    store,
  }) => {
    // Byte lengths either side of the limits of common index implementations (e.g. PostgreSQL's
    // 2,704-byte btree row and 8 KB page), in one-, two-, three- and four-byte characters.
    const names: string[] = [];
    for (const bytes of [1000, 2000, 2700, 2710, 2730, 8200, 100_000])
      for (const width of [1, 2, 3, 4] as const)
        names.push(longString(bytes, width, 'a'), longString(bytes, width, 'b'));
    const saved = new Map<string, string>();
    for (const name of names) saved.set(name, uidOf(await store.put(ref(SuiteBlob({ name })))));
    for (const name of names) {
      const found = await store.query({ model: SuiteBlob, where: { name } });
      expect(sortedUids(found), `query of a ${Buffer.byteLength(name)}-byte string`).toEqual([
        saved.get(name),
      ]);
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
      expect(state.readings?.points[0]?.value === awkward, 'the dynamic point reads back unchanged').toBe(
        true,
      );
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
      for (const uid of [
        `${randomUUID()}\u0000`,
        '\u0000',
        `${randomUUID()}\ud800`,
        '\udfff',
        'a\u0000\ud800',
      ]) {
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
                ref(
                  SuiteGang({
                    name: 'g',
                    members: [rawRef({ state_model_name: 'SuiteCat', record: recordOf(store, uid) })],
                  }),
                ),
              ),
          ],
        ];
        for (const [how, attempt] of attempts) {
          const error = await attempt().then(
            () => null,
            (caught: unknown) => caught as { code?: unknown },
          );
          expect(error, `${how} of uid ${JSON.stringify(uid)} should fail`).not.toBeNull();
          expect(['RECORD_NOT_FOUND', 'VALIDATION_FAILED'], `${how}: ${String(error)}`).toContain(
            error?.code,
          );
          // The message names the record asked for (its uid as given) or the field at fault.
          const message = String((error as { message?: unknown }).message);
          expect(message.includes(uid) || /\buid\b/.test(message), `${how}: ${message}`).toBe(true);
        }
      }
      expect(await count(store, SuiteBlob)).toBe(1);
      expect(await count(store, SuiteGang)).toBe(0);
    },
} satisfies Record<string, SuiteTest>;
