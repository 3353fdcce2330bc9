// `pnpm bench` (second part): how a query with a `where` on one field, an `orderBy` and
// `limit: 50` grows from 1,000 to 100,000 records of the model, on SQLite and PostgreSQL, as
// a ratio measured in one run (aim ≤ 2×: the query reads its page from the index, not the
// model's records). Starts its own throwaway PostgreSQL. Prints numbers, asserts nothing.
// BENCH_ONLY=sqlite (or postgres) runs one store; BENCH_LARGE and BENCH_QUERIES change the sizes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AnyStateModel, stateModel } from '@constelite/core';
import { SqliteDriver } from '@constelite/sqlite-store';
import { type StorageDriver, Store } from '@constelite/store';
import { z } from 'zod';
import { PostgresDriver } from '../src/index.js';
import { startPgCluster } from './pg-cluster.js';

const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_LARGE ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 200);

const shape = { name: z.string(), group: z.number().int(), score: z.number() };
const Small = stateModel('QueryBenchSmall', shape);
const Large = stateModel('QueryBenchLarge', shape);

/** Writes `count` records of `model`: `group` has `count / 100` values (100 records each), `score` is spread. */
async function load(driver: StorageDriver, model: string, count: number, prefix: number): Promise<void> {
  const CHUNK = 2000;
  const groups = count / 100;
  for (let start = 0; start < count; start += CHUNK) {
    await driver.transaction('write', async (tx) => {
      const writes: Promise<void>[] = [];
      for (let index = start; index < Math.min(start + CHUNK, count); index++) {
        writes.push(
          tx.createRecord({
            uid: `00000000-0000-4000-800${prefix}-${index.toString().padStart(12, '0')}`,
            model,
            fields: { name: `item ${index}`, group: index % groups, score: (index * 7919) % count },
          }),
        );
      }
      await Promise.all(writes);
    });
  }
}

/** The query shapes, each for a model of `count` records and the `index`-th query. */
const shapes: Record<
  string,
  (model: AnyStateModel, count: number, index: number) => Parameters<Store['query']>[0]
> = {
  'range on the sort key': (model, count, index) => ({
    model,
    where: { score: { $gte: (index * 37) % (count - 100) } },
    orderBy: [{ field: 'score' }],
    limit: 50,
  }),
  'equality, sorted by another field': (model, count, index) => ({
    model,
    where: { group: index % (count / 100) },
    orderBy: [{ field: 'score', direction: 'desc' }],
    limit: 50,
  }),
};

/** Mean ms of a query over `count` runs (the `index` varies the operand). */
async function meanMs(
  store: Store,
  run: (index: number) => Parameters<Store['query']>[0],
  from: number,
  count: number,
) {
  const started = performance.now();
  for (let index = from; index < from + count; index++) {
    const found = await store.query(run(index));
    if (found.length !== 50) throw new Error(`expected a page of 50, got ${found.length}`);
  }
  return (performance.now() - started) / count;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/**
 * Median over rounds of the mean time at each size; the sizes alternate within a round, so
 * that a busy machine slows both alike.
 */
async function compare(
  store: Store,
  build: (model: AnyStateModel, count: number, index: number) => Parameters<Store['query']>[0],
) {
  const ROUNDS = 7;
  const per = Math.max(1, Math.floor(QUERIES / ROUNDS));
  await meanMs(store, (index) => build(Small, SMALL, index), 0, 20);
  await meanMs(store, (index) => build(Large, LARGE, index), 0, 20);
  const small: number[] = [];
  const large: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    small.push(await meanMs(store, (index) => build(Small, SMALL, index), round * per, per));
    large.push(await meanMs(store, (index) => build(Large, LARGE, index), round * per, per));
  }
  return { small: median(small), large: median(large) };
}

const fmt = (n: number, digits = 3) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const started = performance.now();
const cluster = await startPgCluster({ fast: false });
const dir = mkdtempSync(join(tmpdir(), 'constelite-query-bench-'));
const pg = new PostgresDriver({ url: cluster.url, schema: 'query_bench' });
const subjects: { name: string; driver: StorageDriver; analyze?: () => Promise<void> }[] = [
  { name: 'sqlite', driver: new SqliteDriver({ path: join(dir, 'bench.db'), synchronous: 'normal' }) },
  {
    name: 'postgres',
    driver: pg,
    analyze: async () => {
      await pg.sql.unsafe('ANALYZE query_bench.records; ANALYZE query_bench.query_values');
    },
  },
];

try {
  console.log(
    `Query benchmark: where on one field + orderBy + limit 50, mean of ${QUERIES} queries, at ${SMALL.toLocaleString('en-US')} and ${LARGE.toLocaleString('en-US')} records of the model (aim ≤ 2×).\n`,
  );
  console.log(
    `${'store'.padEnd(10)}${'query'.padEnd(36)}${`${SMALL.toLocaleString('en-US')} records`.padStart(16)}${`${LARGE.toLocaleString('en-US')} records`.padStart(18)}${'ratio'.padStart(9)}`,
  );
  for (const subject of subjects.filter(
    (s) => !process.env.BENCH_ONLY || s.name === process.env.BENCH_ONLY,
  )) {
    const store = new Store({ name: subject.name, driver: subject.driver });
    await load(subject.driver, Small.modelName, SMALL, 0);
    await load(subject.driver, Large.modelName, LARGE, 1);
    await subject.analyze?.();
    for (const [label, build] of Object.entries(shapes)) {
      const { small, large } = await compare(store, build);
      console.log(
        `${subject.name.padEnd(10)}${label.padEnd(36)}${`${fmt(small)} ms`.padStart(16)}${`${fmt(large)} ms`.padStart(18)}${`${fmt(large / small, 2)}×`.padStart(9)}`,
      );
    }
    // SqliteDriver.close waits for its checkpoint worker, which is unref'd: keep the event loop
    // alive meanwhile, or Node ends the run with the await unfinished.
    const alive = setInterval(() => undefined, 1000);
    await store.close();
    clearInterval(alive);
  }
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nquery bench took ${fmt((performance.now() - started) / 1000, 1)} s`);
}
