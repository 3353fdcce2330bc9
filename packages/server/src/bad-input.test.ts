import { ref } from '@constelite/core';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { Book, Cat, CatGang, Human, makeAPI, Page, STORE_UID } from './test-fixtures.js';

/**
 * Bad input answers 4xx with the error body, changes nothing, and the server keeps serving
 * (docs/concepts.md, "Hostile input"). Bodies are generated: garbage text, arbitrary JSON, and
 * valid bodies with one part broken.
 */

const { app, store } = makeAPI({ bodyLimit: 64 * 1024 });
let saved: Record<string, unknown>;
let snapshot: string;

async function storedData(): Promise<string> {
  const parts: unknown[] = [];
  for (const model of [Human, Cat, CatGang, Page, Book]) {
    const refs = await store.query({ model, includeStates: true });
    parts.push(refs.map((r) => JSON.stringify(r)).sort());
  }
  return JSON.stringify(parts);
}

beforeAll(async () => {
  const human = await store.put(ref(Human({ name: 'Alice' })));
  const cat = await store.put(ref(Cat({ name: 'Snowball', age: 3, carer: [human] })));
  await store.put(ref(Book({ title: 'Cats', pages: [ref(Page({ index: 1 }))] })));
  saved = JSON.parse(JSON.stringify(cat)) as Record<string, unknown>;
  snapshot = await storedData();
});

const unknownUid = fc.uuid({ version: 4 }).filter((uid) => uid !== STORE_UID);
/** A JSON value that is never a valid object of our schemas' required shapes. */
const notAnObject = fc.oneof(
  fc.integer(),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer()),
);
const badState = fc.oneof(
  fc.record({ model_name: fc.constantFrom('Dog', 'Ref', '', 'cat') }),
  fc.record({
    model_name: fc.constant('Cat'),
    name: fc.oneof(fc.integer(), fc.boolean(), fc.array(fc.string())),
  }),
  fc.record({
    model_name: fc.constant('Cat'),
    age: fc.oneof(fc.double({ min: 0.1, max: 0.9, noNaN: true }), fc.string()),
  }),
  fc.record({
    model_name: fc.constant('Cat'),
    carer: fc.oneof(fc.string(), fc.array(fc.integer(), { minLength: 1 })),
  }),
  fc.record({ model_name: fc.constant('Cat'), unknown_field: fc.string() }),
);

function breakRef(): fc.Arbitrary<unknown> {
  return fc.oneof(
    notAnObject,
    badState.map((state) => ({ ...saved, state, state_model_name: 'Cat' })),
    badState.map((state) => ({
      record: null,
      guid: null,
      state,
      state_model_name: state.model_name,
      model_name: 'Ref',
    })),
    unknownUid.map((uid) => ({ ...saved, record: { ...(saved.record as object), uid } })),
    unknownUid.map((uid) => ({
      ...saved,
      record: { ...(saved.record as object), store: { uid, name: null } },
    })),
    fc.constantFrom('Dog', '', 'Ref').map((name) => ({ ...saved, state_model_name: name })),
    fc.record({ state_model_name: notAnObject }),
  );
}

const garbage = fc.oneof(
  fc.string(),
  fc.json(),
  fc.constantFrom('', '{', '{"ref":', 'null', '[]', 'NaN', '{"a":1}}'),
  fc.integer({ min: 129, max: 3000 }).map((depth) => `{"ref":${'['.repeat(depth)}${']'.repeat(depth)}}`),
  fc.constant(JSON.stringify({ ref: { state: 'x'.repeat(70 * 1024) } })),
);

const endpoints: Record<string, fc.Arbitrary<unknown>> = {
  '/store/put': fc.oneof(
    breakRef().map((r) => ({ ref: r, store: { uid: STORE_UID } })),
    badState.map((state) => ({
      ref: { record: null, state, state_model_name: 'Cat' },
      store: { uid: STORE_UID },
    })),
    unknownUid.map((uid) => ({
      ref: { record: null, state: { model_name: 'Cat' }, state_model_name: 'Cat' },
      store: { uid },
    })),
    fc.constant({ ref: { record: null, state: { model_name: 'Cat', name: 'x' }, state_model_name: 'Cat' } }),
  ),
  '/store/get': breakRef().map((r) => ({ ref: r })),
  '/store/patch': fc.oneof(
    breakRef().map((r) => ({ ref: r })),
    fc.constant({ ref: { record: null, state: { model_name: 'Cat', name: 'x' }, state_model_name: 'Cat' } }),
  ),
  '/store/delete': breakRef().map((r) => ({ ref: r })),
  '/store/query': fc.oneof(
    fc.record({
      query: fc.constant(null),
      model_name: fc.constantFrom('Dog', ''),
      store: fc.constant({ uid: STORE_UID }),
    }),
    fc.record({
      query: fc.constant(null),
      model_name: fc.constant('Cat'),
      store: unknownUid.map((uid) => ({ uid })),
    }),
    fc.record({
      query: fc.record({ property_values: fc.record({ carer: fc.string() }) }),
      model_name: fc.constant('Cat'),
      store: fc.constant({ uid: STORE_UID }),
    }),
    fc.record({
      query: notAnObject.filter((v) => v !== null),
      model_name: fc.constant('Cat'),
      store: fc.constant({ uid: STORE_UID }),
    }),
  ),
  '/protocols/add': fc.oneof(
    fc.record({ args: fc.record({ a: fc.string(), b: fc.integer() }) }),
    fc.record({ args: notAnObject.filter((v) => v !== null) }),
    fc.record({
      args: fc.constant({ a: 1, b: 2 }),
      logger: fc.record({ logger_name: fc.constantFrom('nope', 'x') }),
    }),
    fc.record({ args: fc.constant({ a: 1, b: 2 }), logger: notAnObject.filter((v) => v !== null) }),
  ),
  '/protocols/cats/herd_a_cat': fc.record({ args: fc.record({ cat: fc.oneof(badState, notAnObject) }) }),
  '/jobs/add': fc.record({ args: fc.record({ a: fc.string() }) }),
  '/jobs/fetch': fc.oneof(
    fc.record({ job: fc.oneof(fc.integer(), fc.constant(null), fc.array(fc.string())) }),
    fc.record({ job: fc.record({ model_name: fc.constant('Job'), uid: fc.uuid({ version: 4 }) }) }),
    fc.uuid({ version: 4 }).map((job) => ({ job })),
  ),
};

describe('bad input', () => {
  for (const [path, arbitrary] of Object.entries(endpoints)) {
    it(`generated bad bodies to ${path} answer 4xx with an error body and change no stored data`, async () => {
      const body = fc.oneof(
        { weight: 3, arbitrary: arbitrary.map((value) => JSON.stringify(value)) },
        { weight: 1, arbitrary: garbage },
      );
      await fc.assert(
        fc.asyncProperty(body, async (text) => {
          const response = await app.request(path, { method: 'POST', body: text });
          const answer = (await response.json()) as { code?: unknown; extra?: { error_message?: unknown } };
          expect(response.status, `${path} ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(typeof answer.code).toBe('string');
          expect(typeof answer.extra?.error_message).toBe('string');
        }),
        { numRuns: 300 },
      );
      expect(await storedData()).toBe(snapshot);
      const still = await app.request('/store/get', { method: 'POST', body: JSON.stringify({ ref: saved }) });
      expect(still.status).toBe(201);
    });
  }
});
