import { association, defaultRegistry, ref, stateModel } from '@constelite/core';
import { compileQuery, type QueryPlan } from '@constelite/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SqliteStore } from './index.js';
import { SqliteQueryIndex, sqliteCountSql, sqliteQuerySql } from './query-sql.js';

const Owner = stateModel('SqlitePlanOwner', { name: z.string() });
const Row = stateModel('SqlitePlanRow', {
  name: z.string(),
  rank: z.number(),
  group: z.number().int(),
  owner: association(() => Owner),
});

let store: SqliteStore;

beforeEach(async () => {
  store = new SqliteStore({ path: ':memory:' });
  const owners: string[] = [];
  for (let index = 0; index < 200; index++)
    owners.push((await store.put(ref(Owner({ name: `o${index}` })))).record!.uid);
  // Enough rows that the planner prefers an index to a scan (and ANALYZE knows it).
  await store.sqlite.transaction('write', async (tx) => {
    for (let index = 0; index < 2000; index++) {
      const uid = `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`;
      await tx.createRecord({
        uid,
        model: 'SqlitePlanRow',
        fields: { name: `row ${index}`, rank: index % 97, group: index % 50 },
      });
      await tx.addLinks({ uid, model: 'SqlitePlanRow' }, 'owner', [
        { uid: owners[index % 200]!, model: 'SqlitePlanOwner' },
      ]);
    }
  });
  store.sqlite.database.exec('ANALYZE');
});
afterEach(() => store.close());

async function planOf(options: { where?: unknown; orderBy?: unknown; limit?: number }): Promise<QueryPlan> {
  const compiled = await compileQuery(
    { registry: defaultRegistry, resolveHas: async (target) => target.uid! },
    Row,
    options,
    { method: 'query', defaultLimit: null, paged: false },
  );
  return compiled.plan;
}

/** The lines of SQLite's EXPLAIN QUERY PLAN of a statement. */
function explain(text: { sql: string; params: unknown[] }): string[] {
  return store.sqlite.database
    .prepare(`EXPLAIN QUERY PLAN ${text.sql}`)
    .all(...text.params)
    .map((row) => (row as { detail: string }).detail);
}

describe('SQLite query pushdown: EXPLAIN QUERY PLAN', () => {
  it('an equality finds its records through the value index, reading no other record', async () => {
    const lines = explain(sqliteQuerySql(await planOf({ where: { name: 'row 7' } })));
    expect(lines.join('\n')).toMatch(/query_values_lookup/);
    expect(lines.join('\n')).not.toMatch(/SCAN (b|records)\b/);
  });

  it('a range on the sort key with a limit walks the index in order: no sort, no scan', async () => {
    const lines = explain(
      sqliteQuerySql(
        await planOf({ where: { rank: { $gte: 10 } }, orderBy: [{ field: 'rank' }], limit: 50 }),
      ),
    );
    const text = lines.join('\n');
    expect(text).toMatch(/SEARCH b USING (COVERING )?INDEX query_values_lookup/);
    expect(text).not.toMatch(/TEMP B-TREE/);
    const desc = explain(
      sqliteQuerySql(
        await planOf({
          where: { rank: { $lt: 10 } },
          orderBy: [{ field: 'rank', direction: 'desc' }],
          limit: 50,
        }),
      ),
    ).join('\n');
    expect(desc).toMatch(/query_values_lookup/);
    expect(desc).not.toMatch(/TEMP B-TREE/);
  });

  it('a page after a cursor seeks the index at the position instead of reading the earlier pages', async () => {
    const plan = await planOf({ where: { rank: { $gte: 0 } }, orderBy: [{ field: 'rank' }], limit: 50 });
    const text = explain(sqliteQuerySql({ ...plan, after: { values: [40], uid: 'x' } })).join('\n');
    expect(text).toMatch(
      /SEARCH b USING (COVERING )?INDEX query_values_lookup \(model=\? AND field=\? AND t=\? AND \(v,uid\)>\(\?,\?\)\)/,
    );
    expect(text).not.toMatch(/TEMP B-TREE/);
  });

  it('an equality with a sort on another field reads only the matching records, sorting those alone', async () => {
    const text = explain(
      sqliteQuerySql(await planOf({ where: { group: 3 }, orderBy: [{ field: 'rank' }], limit: 50 })),
    ).join('\n');
    expect(text).toMatch(
      /SEARCH b USING (COVERING )?INDEX query_values_lookup \(model=\? AND field=\? AND t=\? AND v=\?\)/,
    );
    expect(text).toMatch(/SEARCH s0 USING PRIMARY KEY/);
    expect(text).not.toMatch(/SCAN/);
  });

  it('$has starts from the links to the target; other conditions are primary-key lookups', async () => {
    const owner = (await store.query({ model: Owner }))[0]!;
    const text = explain(
      sqliteQuerySql(await planOf({ where: { owner: { $has: owner }, rank: { $gt: 3 } } })),
    ).join('\n');
    expect(text).toMatch(/SEARCH b USING INDEX links_target/);
    expect(text).toMatch(/SEARCH q (EXISTS )?USING PRIMARY KEY/);
    expect(text).not.toMatch(/SCAN/);
  });

  it('count of an equality counts index entries', async () => {
    const text = explain(sqliteCountSql(await planOf({ where: { group: 3 } }))).join('\n');
    expect(text).toMatch(/query_values_lookup/);
    expect(text).not.toMatch(/SCAN/);
  });

  it('every value is a bound parameter: the SQL text holds no value, field or model name', async () => {
    const { sql, params } = sqliteQuerySql(
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
    expect(sql).not.toMatch(/DROP|SqlitePlanRow|'name'|rank|group/);
    expect(params).toContain("x'; DROP TABLE records; --");
    expect(await store.query({ model: Row, where: { name: "x'; DROP TABLE records; --" } })).toEqual([]);
    expect(await store.count({ model: Row, where: { group: 3 } })).toBe(40);
  });
});

describe('SQLite query index', () => {
  it('is filled from the records when a file written before it existed is opened', async () => {
    const db = store.sqlite.database;
    db.exec('DROP TABLE query_values');
    new SqliteQueryIndex(db);
    // 2000 rows of three fields, and the owner's name.
    expect((db.prepare('SELECT count(*) AS n FROM query_values').get() as { n: number }).n).toBe(
      2000 * 3 + 200,
    );
    expect(await store.count({ model: Row, where: { group: 3, rank: { $lt: 50 } } })).toBe(
      Array.from({ length: 2000 }, (_, index) => index).filter((index) => index % 50 === 3 && index % 97 < 50)
        .length,
    );
  });
});
