import { association, defaultRegistry, ref, stateModel } from '@constelite/core';
import { compileQuery, type QueryPlan } from '@constelite/store';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';
import { destroyStore, freshStore } from '../test/helpers.js';
import type { PostgresStore } from './index.js';
import { postgresCountSql, postgresQuerySql } from './query-sql.js';

const PgOwner = stateModel('PgPlanOwner', { name: z.string() });
const PgRow = stateModel('PgPlanRow', {
  name: z.string(),
  rank: z.number(),
  group: z.number().int(),
  owner: association(() => PgOwner),
});

const url = inject('pgUrl');
const admin = postgres(url, { max: 1, onnotice: () => undefined });
let store: PostgresStore;
const ROWS = 5000;

beforeAll(async () => {
  store = freshStore(url);
  const owners: string[] = [];
  for (let index = 0; index < 50; index++)
    owners.push((await store.put(ref(PgOwner({ name: `o${index}` })))).record!.uid);
  await store.postgres.transaction('write', async (tx) => {
    const writes: Promise<void>[] = [];
    for (let index = 0; index < ROWS; index++) {
      const uid = `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`;
      writes.push(
        tx
          .createRecord({
            uid,
            model: 'PgPlanRow',
            fields: { name: `row ${index}`, rank: index % 97, group: index % 50 },
          })
          .then(() =>
            tx.addLinks({ uid, model: 'PgPlanRow' }, 'owner', [
              { uid: owners[index % 50]!, model: 'PgPlanOwner' },
            ]),
          ),
      );
    }
    await Promise.all(writes);
  });
  await admin.unsafe(
    `ANALYZE "${store.postgres.schema}".query_values; ANALYZE "${store.postgres.schema}".links; ANALYZE "${store.postgres.schema}".records`,
  );
}, 120_000);
afterAll(async () => {
  await destroyStore(store);
  await admin.end();
});

async function planOf(options: { where?: unknown; orderBy?: unknown; limit?: number }): Promise<QueryPlan> {
  const compiled = await compileQuery(
    { registry: defaultRegistry, resolveHas: async (target) => target.uid! },
    PgRow,
    options,
    { method: 'query', defaultLimit: null, paged: false },
  );
  return compiled.plan;
}

/** PostgreSQL's EXPLAIN of a statement, with sequential scans ruled out so the plan shows whether an index answers. */
async function explain({ text, params }: { text: string; params: unknown[] }): Promise<string> {
  const rows = await admin.begin(async (sql) => {
    await sql`SET LOCAL enable_seqscan = off`;
    return sql.unsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${text}`, params as string[]);
  });
  const out = rows.map((row) => row['QUERY PLAN']).join('\n');
  if (process.env.SHOW_PLANS) console.log(text, '\n', out);
  return out;
}

const schema = () => store.postgres.schema;

describe('PostgreSQL query pushdown: EXPLAIN', () => {
  it('an equality finds its records through the value index', async () => {
    const text = await explain(postgresQuerySql(schema(), await planOf({ where: { group: 7 } })));
    expect(text).toMatch(
      /Index (Only )?Scan using query_values_number|Bitmap Index Scan on query_values_number/,
    );
    expect(text).not.toMatch(/Seq Scan/);
    const byName = await explain(postgresQuerySql(schema(), await planOf({ where: { name: 'row 7' } })));
    expect(byName).toMatch(/query_values_string/);
    expect(byName).not.toMatch(/Seq Scan/);
  });

  it('a range on the sort key with a limit walks the index in order, with no sort of the matches', async () => {
    for (const direction of ['asc', 'desc'] as const) {
      const text = await explain(
        postgresQuerySql(
          schema(),
          await planOf({ where: { rank: { $gte: 10 } }, orderBy: [{ field: 'rank', direction }], limit: 50 }),
        ),
      );
      expect(text).toMatch(/Limit/);
      expect(text).toMatch(/Index (Only )?Scan (Backward )?using query_values_number/);
      expect(text).not.toMatch(/Seq Scan|(^|\s)Sort/);
    }
  });

  it('a string sort key uses the prefix index and sorts only ties of the prefix (incremental sort)', async () => {
    const text = await explain(
      postgresQuerySql(
        schema(),
        await planOf({ where: { name: { $startsWith: 'row 1' } }, orderBy: [{ field: 'name' }], limit: 50 }),
      ),
    );
    expect(text).toMatch(/Index Scan using query_values_string/);
    expect(text).not.toMatch(/Seq Scan|(^|\s)Sort \(/);
  });

  it('a page after a cursor seeks the index at the position', async () => {
    const plan = await planOf({ where: { rank: { $gte: 0 } }, orderBy: [{ field: 'rank' }], limit: 50 });
    const text = await explain(postgresQuerySql(schema(), { ...plan, after: { values: [40], uid: 'x' } }));
    expect(text).toMatch(/Index Cond: .*ROW\(n, uid\) > ROW/);
    expect(text).not.toMatch(/Seq Scan|(^|\s)Sort/);
  });

  it('an equality with a sort on another field reads the matching records only', async () => {
    const text = await explain(
      postgresQuerySql(
        schema(),
        await planOf({ where: { group: 3 }, orderBy: [{ field: 'rank' }], limit: 50 }),
      ),
    );
    expect(text).toMatch(/query_values_number/);
    expect(text).toMatch(/query_values_pkey/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('$has starts from the links to the target', async () => {
    const owner = (await store.query({ model: PgOwner, where: { name: 'o3' } }))[0]!;
    const text = await explain(
      postgresQuerySql(schema(), await planOf({ where: { owner: { $has: owner }, rank: { $gt: 3 } } })),
    );
    expect(text).toMatch(/links_target/);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('count of an equality counts index entries', async () => {
    const text = await explain(postgresCountSql(schema(), await planOf({ where: { group: 3 } })));
    expect(text).toMatch(/query_values_number/);
    expect(text).not.toMatch(/Seq Scan/);
    expect(await store.count({ model: PgRow, where: { group: 3 } })).toBe(ROWS / 50);
  });

  it('every value is a bound parameter: the SQL text holds no value, field or model name', async () => {
    const { text, params } = postgresQuerySql(
      schema(),
      await planOf({
        where: {
          name: "x'; DROP TABLE records; --",
          rank: { $in: [1, 2] },
          $or: [{ group: 1 }, { name: { $contains: 'o' } }],
        },
        orderBy: [{ field: 'rank' }],
        limit: 5,
      }),
    );
    expect(text).not.toMatch(/DROP|PgPlanRow|'name'|'rank'|'group'/);
    expect(params).toContain("x'; DROP TABLE records; --");
    expect(await store.query({ model: PgRow, where: { name: "x'; DROP TABLE records; --" } })).toEqual([]);
  });
});

describe('PostgreSQL query index', () => {
  it('is kept by a trigger in the write transaction: patches move values, deletes remove them', async () => {
    const other = freshStore(url);
    try {
      const saved = await other.put(ref(PgRow({ name: 'a', rank: 1 })));
      await other.patch(saved.withState(PgRow({ rank: 2 })));
      const rows = await admin.unsafe<{ field: string; t: number; n: number | null; s: string | null }[]>(
        `SELECT field, t, n, s FROM "${other.postgres.schema}".query_values ORDER BY field`,
      );
      expect(rows).toEqual([
        { field: 'name', t: 2, n: null, s: 'a' },
        { field: 'rank', t: 1, n: 2, s: null },
      ]);
      await other.delete(saved);
      const left = await admin.unsafe(`SELECT 1 FROM "${other.postgres.schema}".query_values`);
      expect(left).toHaveLength(0);
    } finally {
      await destroyStore(other);
    }
  });
});
