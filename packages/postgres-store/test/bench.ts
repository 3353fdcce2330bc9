// `pnpm bench`: put, get, query-by-property and aggregation-append rates of the SQLite and
// PostgreSQL stores as ratios to the memory store, measured in the same run, and how query
// time grows from 100 to 100,000 records of a model. Starts its own throwaway PostgreSQL
// (fsync on, like a real server). Not a test: it prints numbers and asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregation, ref, stateModel } from '@constelite/core';
import { MemoryDriver } from '@constelite/memory-store';
import { SqliteDriver } from '@constelite/sqlite-store';
import { type StorageDriver, Store } from '@constelite/store';
import { z } from 'zod';
import { PostgresDriver } from '../src/index.js';
import { startPgCluster } from './pg-cluster.js';

const Item = stateModel('BenchItem', { name: z.string(), group: z.number().int() });
const Bag = stateModel('BenchBag', { label: z.string(), items: aggregation(() => Item) });
const ScaleItem = stateModel('BenchScaleItem', { name: z.string(), group: z.number().int() });

const OPS = Number(process.env.BENCH_OPS ?? 500);
const LARGE = Number(process.env.BENCH_LARGE ?? 100_000);
const SMALL = 100;
const QUERIES = 200;

interface Subject {
  name: string;
  driver: StorageDriver;
  store: Store;
  /** Refreshes planner statistics after a bulk load, as autovacuum would. */
  analyze?: () => Promise<void>;
}

async function time(count: number, op: (index: number) => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let index = 0; index < count; index++) await op(index);
  return performance.now() - start;
}

/** Operations per second of put, get, query-by-property and aggregation append, one at a time. */
async function rates(subject: Subject): Promise<Record<string, number>> {
  const { store } = subject;
  const refs: Awaited<ReturnType<typeof store.put>>[] = [];
  const put = await time(OPS, async (index) => {
    refs.push(await store.put(ref(Item({ name: `item ${index}`, group: index % 50 }))));
  });
  const get = await time(OPS, (index) => store.get(refs[index]!));
  const query = await time(OPS, (index) => store.query({ model: Item, where: { group: index % 50 } }));
  const bag = await store.put(ref(Bag({ label: 'bag' })));
  const append = await time(OPS, (index) =>
    store.patch(
      ref(Bag({ items: [ref(Item({ name: `member ${index}`, group: -1 }))] }), { record: bag.record }),
    ),
  );
  const perSecond = (ms: number) => (OPS / ms) * 1000;
  return { put: perSecond(put), get: perSecond(get), query: perSecond(query), append: perSecond(append) };
}

/** Writes `count` records of `ScaleItem` in one transaction through the storage primitives. */
async function bulkLoad(driver: StorageDriver, from: number, count: number): Promise<void> {
  const CHUNK = 2000;
  for (let start = from; start < from + count; start += CHUNK) {
    await driver.transaction('write', async (tx) => {
      const writes: Promise<void>[] = [];
      // Issued together, so that the PostgreSQL driver pipelines them on its connection.
      for (let index = start; index < Math.min(start + CHUNK, from + count); index++) {
        writes.push(
          tx.createRecord({
            uid: `00000000-0000-4000-8000-${index.toString().padStart(12, '0')}`,
            model: 'BenchScaleItem',
            fields: { name: `scale ${index}`, group: index % 1000 },
          }),
        );
      }
      await Promise.all(writes);
    });
  }
}

/** Mean time of a query for one record by property, at 100 and at LARGE records of the model. */
async function scaling(subject: Subject): Promise<{ small: number; large: number }> {
  const { store, driver } = subject;
  const measure = async (size: number) => {
    const ms = await time(QUERIES, async (index) => {
      const found = await store.query({ model: ScaleItem, where: { name: `scale ${(index * 7) % size}` } });
      if (found.length !== 1) throw new Error(`${subject.name}: expected 1 record, found ${found.length}`);
    });
    return ms / QUERIES;
  };
  await bulkLoad(driver, 0, SMALL);
  await subject.analyze?.();
  const small = await measure(SMALL);
  await bulkLoad(driver, SMALL, LARGE - SMALL);
  await subject.analyze?.();
  const large = await measure(LARGE);
  return { small, large };
}

function subject(name: string, driver: StorageDriver, analyze?: () => Promise<void>): Subject {
  const store = new Store({ name, driver });
  return analyze ? { name, driver, store, analyze } : { name, driver, store };
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const started = performance.now();
const cluster = await startPgCluster({ fast: false });
const dir = mkdtempSync(join(tmpdir(), 'constelite-bench-'));
const pg = new PostgresDriver({ url: cluster.url, schema: 'bench' });
const subjects: Subject[] = [
  subject('memory', new MemoryDriver()),
  subject('sqlite', new SqliteDriver({ path: join(dir, 'bench.db') })),
  subject('postgres', pg, async () => {
    await pg.sql.unsafe('ANALYZE bench.records; ANALYZE bench.record_values');
  }),
];

try {
  console.log(
    `Store benchmark: ${OPS} sequential operations each; query scaling ${SMALL} → ${LARGE} records.`,
  );
  console.log(
    'SQLite: WAL, synchronous=FULL. PostgreSQL 15: local throwaway cluster, fsync on, serializable writes.\n',
  );
  const results = new Map<string, Record<string, number>>();
  for (const s of subjects) results.set(s.name, await rates(s));
  const memory = results.get('memory')!;
  const ops = ['put', 'get', 'query', 'append'] as const;
  const labels = { put: 'put', get: 'get', query: 'query by property', append: 'aggregation append' };
  console.log(
    `${'operation'.padEnd(20)}${'memory ops/s'.padStart(14)}${'sqlite ops/s'.padStart(14)}${'ratio'.padStart(9)}${'postgres ops/s'.padStart(16)}${'ratio'.padStart(9)}`,
  );
  for (const op of ops) {
    const sqlite = results.get('sqlite')![op]!;
    const postgres = results.get('postgres')![op]!;
    console.log(
      `${labels[op].padEnd(20)}${fmt(memory[op]!).padStart(14)}${fmt(sqlite).padStart(14)}${`${fmt(sqlite / memory[op]!, 3)}×`.padStart(9)}${fmt(postgres).padStart(16)}${`${fmt(postgres / memory[op]!, 3)}×`.padStart(9)}`,
    );
  }

  console.log(`\nQuery for one record by property, mean time at ${SMALL} and ${LARGE} records of the model:`);
  console.log(
    `${'store'.padEnd(10)}${`${SMALL} records`.padStart(16)}${`${LARGE} records`.padStart(18)}${'growth'.padStart(10)}`,
  );
  for (const s of subjects) {
    const { small, large } = await scaling(s);
    console.log(
      `${s.name.padEnd(10)}${`${fmt(small, 3)} ms`.padStart(16)}${`${fmt(large, 3)} ms`.padStart(18)}${`${fmt(large / small, 1)}×`.padStart(10)}`,
    );
  }
  console.log('\n(the memory store scans its records, so its growth shows what an index saves)');
} finally {
  for (const s of subjects) await s.store.close();
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nbench took ${fmt((performance.now() - started) / 1000, 1)} s`);
}
