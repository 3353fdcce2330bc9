import { defaultRegistry, stateModel } from '@constelite/core';
import { compileQuery, type JsonValue, type QueryPlan, type RecordKey } from '@constelite/store';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { MemoryIndexes, type MemorySource } from './indexes.js';

const IndexedRow = stateModel('MemoryIndexedRow', { name: z.string(), rank: z.number(), group: z.number() });

/**
 * Records in plain maps, and a source that counts how many records the index reads. The
 * indexes of the three fields are built by a first query each (which reads every record once)
 * before the count starts, so that the tests see the indexes kept by the writes after.
 */
async function setup(count: number) {
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
  for (const where of [{ name: '' }, { rank: -1 }, { group: -1 }])
    indexes.count(await planOf({ where }), source);
  expect(reads).toBe(3 * count);
  reads = 0;
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
  it('an equality reads only the records with the value, and none when it is the whole condition', async () => {
    const { indexes, records, source, reads } = await setup(10_000);
    const found = indexes.query(await planOf({ where: { group: 7 } }), source);
    const expected = [...records.keys()].filter((uid) => records.get(uid)!.group === 7).sort();
    expect(found.map((key) => key.uid)).toEqual(expected);
    expect(reads()).toBe(0);
    expect(indexes.count(await planOf({ where: { group: 7 } }), source)).toBe(100);
    expect(reads()).toBe(0);
    // Another condition is checked on the records the equality finds.
    const both = await planOf({ where: { group: 7, rank: { $lt: 500 } } });
    const matching = expected.filter((uid) => (records.get(uid)!.rank as number) < 500);
    expect(indexes.query(both, source).map((key) => key.uid)).toEqual(matching);
    expect(reads()).toBe(100);
    expect(indexes.count(both, source)).toBe(matching.length);
    expect(reads()).toBe(200);
  });

  it('pages through the records of one value in uid order, from the equality index', async () => {
    const { indexes, records, source, reads } = await setup(10_000);
    const expected = [...records.keys()].filter((uid) => records.get(uid)!.group === 7).sort();
    const plan = await planOf({ where: { group: 7 }, limit: 30 });
    const uids: string[] = [];
    let after: string | null = null;
    for (;;) {
      const page = indexes.query(
        { ...plan, after: after === null ? null : { values: [], uid: after } },
        source,
      );
      uids.push(...page.map((key) => key.uid));
      if (page.length < 30) break;
      after = page[page.length - 1]!.uid;
    }
    expect(uids).toEqual(expected);
    expect(reads()).toBe(0);
    // A unique value, then past it.
    const name = records.get(expected[3]!)!.name as string;
    const unique = await planOf({ where: { name } });
    expect(indexes.query(unique, source)).toEqual([{ uid: expected[3], model: 'MemoryIndexedRow' }]);
    expect(indexes.query({ ...unique, after: { values: [], uid: expected[3]! } }, source)).toEqual([]);
    expect(indexes.query(await planOf({ where: { name: 'nobody' } }), source)).toEqual([]);
    expect(reads()).toBe(0);
  });

  it('a range on the sort key with a limit reads no record when the range is the whole condition', async () => {
    const { indexes, records, source, reads } = await setup(10_000);
    const plan = await planOf({ where: { rank: { $gte: 100 } }, orderBy: [{ field: 'rank' }], limit: 50 });
    const found = indexes.query(plan, source);
    const expected = [...records]
      .filter(([, fields]) => (fields.rank as number) >= 100)
      .sort(([a, x], [b, y]) => (x.rank as number) - (y.rank as number) || (a < b ? -1 : 1))
      .slice(0, 50)
      .map(([uid]) => uid);
    expect(found.map((key) => key.uid)).toEqual(expected);
    expect(reads()).toBe(0);
    // The next page starts at the position, in the index.
    const last = found[found.length - 1]!;
    const next = indexes.query(
      { ...plan, after: { values: [records.get(last.uid)!.rank as number], uid: last.uid } },
      source,
    );
    expect(next[0]!.uid).not.toBe(last.uid);
    expect(reads()).toBe(0);
    // Two comparisons of the field make one range; another field's condition is checked.
    const between = await planOf({
      where: { rank: { $gt: 100, $lte: 110 } },
      orderBy: [{ field: 'rank', direction: 'desc' }],
    });
    const inRange = [...records]
      .filter(([, fields]) => (fields.rank as number) > 100 && (fields.rank as number) <= 110)
      .sort(([a, x], [b, y]) => (y.rank as number) - (x.rank as number) || (a < b ? 1 : -1))
      .map(([uid]) => uid);
    expect(indexes.query(between, source).map((key) => key.uid)).toEqual(inRange);
    expect(reads()).toBe(0);
    const other = await planOf({
      where: { rank: { $gt: 100, $lte: 110 }, group: { $ne: 3 } },
      orderBy: [{ field: 'rank', direction: 'desc' }],
    });
    expect(indexes.query(other, source).map((key) => key.uid)).toEqual(
      inRange.filter((uid) => records.get(uid)!.group !== 3),
    );
    expect(reads()).toBe(inRange.length);
  });

  it('checks the records a prefix range finds', async () => {
    const { indexes, records, source, reads } = await setup(1000);
    const plan = await planOf({ where: { name: { $startsWith: 'row 12' } }, orderBy: [{ field: 'name' }] });
    const expected = [...records]
      .filter(([, fields]) => (fields.name as string).startsWith('row 12'))
      .sort(([, x], [, y]) => ((x.name as string) < (y.name as string) ? -1 : 1))
      .map(([uid]) => uid);
    expect(indexes.query(plan, source).map((key) => key.uid)).toEqual(expected);
    expect(reads()).toBe(expected.length);
  });

  it('keeps its sorted lists right through many inserts, moves and removals', async () => {
    const { indexes, records, source } = await setup(3000);
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

describe('memory store index trees', () => {
  it('answer as a sorted array through random inserts, moves and removals, down to an empty tree', async () => {
    const { indexes, records, source } = await setup(0);
    let seed = 7;
    const random = (below: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % below;
    };
    const uidOf = (index: number) => `u${index.toString().padStart(6, '0')}`;
    const check = async () => {
      const low = random(1000);
      const high = low + random(400);
      for (const direction of ['asc', 'desc'] as const) {
        const plan = await planOf({
          where: { rank: { $gte: low, $lt: high } },
          orderBy: [{ field: 'rank', direction }],
        });
        const expected = [...records]
          .filter(([, fields]) => (fields.rank as number) >= low && (fields.rank as number) < high)
          .sort(([a, x], [b, y]) => (x.rank as number) - (y.rank as number) || (a < b ? -1 : 1))
          .map(([uid]) => uid);
        if (direction === 'desc') expected.reverse();
        expect(indexes.query(plan, source).map((key) => key.uid)).toEqual(expected);
      }
      // The records of one value, in uid order, from the entries of that value.
      const group = random(100);
      expect(indexes.query(await planOf({ where: { group } }), source).map((key) => key.uid)).toEqual(
        [...records.keys()].filter((uid) => records.get(uid)!.group === group).sort(),
      );
      // Pages in uid order (no sort key): from each page's last uid to the next.
      const uids: string[] = [];
      let after: string | null = null;
      for (;;) {
        const plan = await planOf({ limit: 700 });
        const page = indexes.query(
          { ...plan, after: after === null ? null : { values: [], uid: after } },
          source,
        );
        uids.push(...page.map((key) => key.uid));
        if (page.length < 700) break;
        after = page[page.length - 1]!.uid;
      }
      expect(uids).toEqual([...records.keys()].sort());
    };
    for (let step = 0; step < 20_000; step++) {
      const uid = uidOf(random(8000));
      const before = records.get(uid);
      const fields = { name: `row ${step}`, rank: random(1000), group: step % 100 };
      if (!before) {
        records.set(uid, fields);
        indexes.add(uid, 'MemoryIndexedRow', fields);
      } else if (random(3) === 0) {
        records.set(uid, fields);
        indexes.replace(uid, 'MemoryIndexedRow', before, fields);
      } else {
        records.delete(uid);
        indexes.remove(uid, 'MemoryIndexedRow', before);
      }
      if (step % 2500 === 0) await check();
    }
    await check();
    // Emptied record by record (removals join leaves and drop empty ones), then filled again.
    for (const [uid, fields] of [...records]) {
      records.delete(uid);
      indexes.remove(uid, 'MemoryIndexedRow', fields);
      if (records.size % 1500 === 0) await check();
    }
    await check();
    for (let index = 0; index < 5000; index++) {
      const fields = { name: `row ${index}`, rank: random(1000), group: index % 100 };
      records.set(uidOf(index), fields);
      indexes.add(uidOf(index), 'MemoryIndexedRow', fields);
    }
    await check();
  });
});
