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
const QUERIES = Number(process.env.BENCH_QUERIES ?? 900);

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
 * Medians over rounds of the mean time at each size and of each round's ratio, and the
 * ratio's spread. The sizes alternate within a round, the one that goes first alternating
 * from round to round, so that a busy machine slows both alike; a round is long enough
 * (tens of milliseconds) that one descheduling of the process does not decide its ratio.
 *
 * Both sizes are timed with their pages cached. Before the rounds, each size runs one pass
 * of queries that touches its whole index (a fiftieth as many queries as records: each group,
 * and score ranges across the model), and that pass's mean is printed apart ("first pass";
 * at 1,000 it is mostly the JIT warming up).
 * Without it the 1,000 records were cached after a few queries while the rounds at 100,000
 * were still loading pages from the file (from the write-ahead log after the load, for
 * SQLite): the first rounds at 100,000 took twice the last, and the ratio measured how far
 * that one-time loading had got rather than what a query costs.
 */
async function compare(
  store: Store,
  build: (model: AnyStateModel, count: number, index: number) => Parameters<Store['query']>[0],
) {
  const ROUNDS = 9;
  const per = Math.max(1, Math.floor(QUERIES / ROUNDS));
  const atSmall = (from: number, count: number) =>
    meanMs(store, (index) => build(Small, SMALL, index), from, count);
  const atLarge = (from: number, count: number) =>
    meanMs(store, (index) => build(Large, LARGE, index), from, count);
  const firstSmall = await atSmall(0, Math.max(50, SMALL / 50));
  const firstLarge = await atLarge(0, Math.max(50, LARGE / 50));
  const small: number[] = [];
  const large: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let s: number;
    let l: number;
    if (round % 2 === 0) {
      s = await atSmall(round * per, per);
      l = await atLarge(round * per, per);
    } else {
      l = await atLarge(round * per, per);
      s = await atSmall(round * per, per);
    }
    small.push(s);
    large.push(l);
    ratios.push(l / s);
  }
  return {
    small: median(small),
    large: median(large),
    ratio: median(ratios),
    low: Math.min(...ratios),
    high: Math.max(...ratios),
    firstSmall,
    firstLarge,
  };
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
    `Query benchmark: where on one field + orderBy + limit 50, ${QUERIES} queries a size in 9 alternating rounds, at ${SMALL.toLocaleString('en-US')} and ${LARGE.toLocaleString('en-US')} records of the model (aim ≤ 2×; medians, ratio spread min–max).\n`,
  );
  console.log(
    `${'store'.padEnd(10)}${'query'.padEnd(36)}${`${SMALL.toLocaleString('en-US')} records`.padStart(16)}${`${LARGE.toLocaleString('en-US')} records`.padStart(18)}${'ratio'.padStart(9)}${'spread'.padStart(14)}`,
  );
  for (const subject of subjects.filter(
    (s) => !process.env.BENCH_ONLY || s.name === process.env.BENCH_ONLY,
  )) {
    const store = new Store({ name: subject.name, driver: subject.driver });
    await load(subject.driver, Small.modelName, SMALL, 0);
    await load(subject.driver, Large.modelName, LARGE, 1);
    await subject.analyze?.();
    for (const [label, build] of Object.entries(shapes)) {
      const { small, large, ratio, low, high, firstSmall, firstLarge } = await compare(store, build);
      console.log(
        `${subject.name.padEnd(10)}${label.padEnd(36)}${`${fmt(small)} ms`.padStart(16)}${`${fmt(large)} ms`.padStart(18)}${`${fmt(ratio, 2)}×`.padStart(9)}${`(${fmt(low, 2)}–${fmt(high, 2)})`.padStart(14)}`,
      );
      console.log(
        `${''.padEnd(10)}${'  first pass (uncached, and JIT)'.padEnd(36)}${`${fmt(firstSmall)} ms`.padStart(16)}${`${fmt(firstLarge)} ms`.padStart(18)}${`${fmt(firstLarge / firstSmall, 2)}×`.padStart(9)}`,
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
