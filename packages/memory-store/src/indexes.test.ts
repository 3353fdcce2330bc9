import { defaultRegistry, stateModel } from '@constelite/core';
import { compileQuery, type JsonValue, type QueryPlan, type RecordKey } from '@constelite/store';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryIndexes, type MemorySource } from './indexes.js';

const IndexedRow = stateModel('MemoryIndexedRow', { name: z.string(), rank: z.number(), group: z.number() });

/** Records in plain maps, and a source that counts how many records the index reads. */
function setup(count: number) {
  const indexes = new MemoryIndexes();
  const records = new Map<string, Record<string, JsonValue>>();
  for (let index = 0; index < count; index++) {
    const uid = `u${index.toString().padStart(6, '0')}`;
    const fields = { name: `row ${index}`, rank: (index * 7919) % 1000, group: index % 100 };
    records.set(uid, fields);
    indexes.add(uid, 'MemoryIndexedRow', fields);
  }
  let reads = 0;
  const source: MemorySource = {
    fields: (uid) => {
      reads++;
      return records.get(uid);
    },
    uidsOf: () => records.keys(),
    sourcesOf: (): RecordKey[] => [],
  };
  return { indexes, records, source, reads: () => reads };
}

async function planOf(options: { where?: unknown; orderBy?: unknown; limit?: number }): Promise<QueryPlan> {
  return (
    await compileQuery(
      { registry: defaultRegistry, resolveHas: async (target) => target.uid! },
      IndexedRow,
      options,
      { method: 'query', defaultLimit: null, paged: false },
    )
  ).plan;
}

describe('memory store indexes', () => {
  it('an equality reads only the records with the value, not every record', async () => {
    const { indexes, source, reads } = setup(10_000);
    const found = indexes.query(await planOf({ where: { group: 7 } }), source);
    expect(found).toHaveLength(100);
    expect(reads()).toBe(100);
    expect(indexes.count(await planOf({ where: { group: 7, rank: { $lt: 500 } } }), source)).toBeLessThan(
      100,
    );
  });

  it('a range on the sort key with a limit reads about as many records as it returns', async () => {
    const { indexes, records, source, reads } = setup(10_000);
    const plan = await planOf({ where: { rank: { $gte: 100 } }, orderBy: [{ field: 'rank' }], limit: 50 });
    const found = indexes.query(plan, source);
    const expected = [...records]
      .filter(([, fields]) => (fields.rank as number) >= 100)
      .sort(([a, x], [b, y]) => (x.rank as number) - (y.rank as number) || (a < b ? -1 : 1))
      .slice(0, 50)
      .map(([uid]) => uid);
    expect(found.map((key) => key.uid)).toEqual(expected);
    expect(reads()).toBe(50);
    // The next page starts at the position, in the index.
    const last = found[found.length - 1]!;
    const next = indexes.query(
      { ...plan, after: { values: [records.get(last.uid)!.rank as number], uid: last.uid } },
      source,
    );
    expect(next[0]!.uid).not.toBe(last.uid);
    expect(reads()).toBe(100);
  });

  it('keeps its sorted lists right through many inserts, moves and removals', async () => {
    const { indexes, records, source } = setup(3000);
    for (let index = 0; index < 3000; index += 3) {
      const uid = `u${index.toString().padStart(6, '0')}`;
      const before = records.get(uid)!;
      const after = { ...before, rank: (index * 31) % 977 };
      indexes.replace(uid, 'MemoryIndexedRow', before, after);
      records.set(uid, after);
    }
    for (let index = 1; index < 3000; index += 5) {
      const uid = `u${index.toString().padStart(6, '0')}`;
      indexes.remove(uid, 'MemoryIndexedRow', records.get(uid)!);
      records.delete(uid);
    }
    for (const direction of ['asc', 'desc'] as const) {
      const plan = await planOf({
        where: { rank: { $gt: 200, $lte: 700 } },
        orderBy: [{ field: 'rank', direction }],
      });
      const expected = [...records]
        .filter(([, fields]) => (fields.rank as number) > 200 && (fields.rank as number) <= 700)
        .sort(([a, x], [b, y]) => (x.rank as number) - (y.rank as number) || (a < b ? -1 : 1))
        .map(([uid]) => uid);
      if (direction === 'desc') expected.reverse();
      expect(indexes.query(plan, source).map((key) => key.uid)).toEqual(expected);
    }
  });
});
