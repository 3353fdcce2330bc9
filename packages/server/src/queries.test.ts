import { ref } from '@constelite/core';
import { describe, expect, it } from 'vitest';
import { Cat, makeAPI, post, STORE_UID } from './test-fixtures.js';

const store = { uid: STORE_UID };

async function seed(count: number, options: Parameters<typeof makeAPI>[0] = {}) {
  const made = makeAPI(options);
  for (let i = 0; i < count; i++) await made.store.put(ref(Cat({ name: `cat ${i}`, age: i % 5 })));
  return made;
}

describe('queries over HTTP', () => {
  it("the Python client's body still works: property_values compared for equality, null meaning not given", async () => {
    const { app } = await seed(6);
    const response = await post(app, '/store/query', {
      query: { property_values: { age: 2, name: null } },
      model_name: 'Cat',
      store,
      include_states: true,
    });
    expect(response.status).toBe(201);
    const refs = (await response.json()) as { state: { age: number } }[];
    expect(refs.map((r) => r.state.age)).toEqual([2]);
  });

  it('where, order_by and limit use the query language; property_values and where both apply', async () => {
    const { app } = await seed(10);
    const response = await post(app, '/store/query', {
      where: { age: { $gte: 3 } },
      query: { property_values: { age: 4 } },
      order_by: [{ field: 'name', direction: 'desc' }],
      limit: 1,
      model_name: 'Cat',
      store,
      include_states: true,
    });
    expect(((await response.json()) as { state: { name: string } }[]).map((r) => r.state.name)).toEqual([
      'cat 9',
    ]);
  });

  it('an unpaged query matching more than maxUnpagedRecords is 400 RESULT_TOO_LARGE telling the caller to page; a limit or a page is answered', async () => {
    const { app } = await seed(6, { maxUnpagedRecords: 5 });
    const refused = await post(app, '/store/query', { model_name: 'Cat', store });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { code: string; extra: { error_message: string } };
    expect(body.code).toBe('RESULT_TOO_LARGE');
    expect(body.extra.error_message).toMatch(/matches 6 records, more than the 5 .*query_page/);
    expect(
      await (await post(app, '/store/query', { model_name: 'Cat', store, limit: 5 })).json(),
    ).toHaveLength(5);
    const first = (await (
      await post(app, '/store/query_page', { model_name: 'Cat', store, limit: 4 })
    ).json()) as {
      refs: unknown[];
      next_cursor: string | null;
    };
    expect(first.refs).toHaveLength(4);
    const second = (await (
      await post(app, '/store/query_page', { model_name: 'Cat', store, limit: 4, cursor: first.next_cursor })
    ).json()) as { refs: unknown[]; next_cursor: string | null };
    expect(second).toMatchObject({ next_cursor: null });
    expect(second.refs).toHaveLength(2);
    expect(
      await (await post(app, '/store/count', { model_name: 'Cat', store, where: { age: 0 } })).json(),
    ).toBe(2);
  });

  it('a long unpaged answer streams as one valid JSON array, every record once', async () => {
    const { app } = await seed(1234);
    const response = await post(app, '/store/query', { model_name: 'Cat', store, include_states: true });
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const refs = (await response.json()) as { record: { uid: string } }[];
    expect(refs).toHaveLength(1234);
    expect(new Set(refs.map((r) => r.record.uid)).size).toBe(1234);
  });

  it('a condition on __proto__ reaches the store and is refused as an unknown field, never dropped', async () => {
    const { app } = await seed(2);
    const response = await post(
      app,
      '/store/query',
      '{"model_name": "Cat", "store": {"uid": "' +
        STORE_UID +
        '"}, "where": {"__proto__": {"name": "cat 0"}}}',
    );
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('__proto__');
  });
});
