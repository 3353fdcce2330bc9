// `pnpm bench` (third part): what appending one point to a dynamic field costs when the series
// holds 100,000 points against when it holds 100, on the memory, SQLite and PostgreSQL stores
// (aim ≤ 2×: an append is an index insert, not a rewrite of the series), and what a `get` of
// the last 60 points of the long series costs against a `get` of the short one whole. The
// generic path (a driver without series primitives, which rewrites the series in the record's
// fields) is measured beside them at 100 and 10,000 points. Starts its own throwaway
// PostgreSQL; each comparison runs interleaved over rounds and prints the median and spread.
// Prints numbers, asserts nothing. BENCH_ONLY=memory|sqlite|postgres|generic runs one subject.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dynamic, type Ref, ref, stateModel } from '@constelite/core';
import { MemoryDriver } from '@constelite/memory-store';
import { SqliteDriver } from '@constelite/sqlite-store';
import { type StorageDriver, Store } from '@constelite/store';
import { z } from 'zod';
import { PostgresDriver } from '../src/index.js';
import { startPgCluster } from './pg-cluster.js';

/** `driver` as a driver of contract version 1 presents it: no series primitives, so `Store` keeps each series in the fields. */
const generic = (driver: StorageDriver): StorageDriver => ({
  contractVersion: 1,
  transaction: (mode, work) => driver.transaction(mode, work),
});

const Sensor = stateModel('SeriesBenchSensor', { name: z.string(), reading: dynamic(z.number()) });
const ROUNDS = 9;
const APPENDS = Number(process.env.BENCH_APPENDS ?? 100);

const fmt = (n: number, digits = 3) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** A sensor with `count` points, timestamps 0 … count - 1. */
async function sensorWith(store: Store, count: number): Promise<Ref> {
  const saved = await store.put(ref(Sensor({ name: `sensor of ${count}` })));
  const CHUNK = 10_000;
  for (let start = 0; start < count; start += CHUNK) {
    const points = [];
    for (let timestamp = start; timestamp < Math.min(count, start + CHUNK); timestamp++)
      points.push({ timestamp, value: timestamp % 97 });
    await store.patch(saved.withState(Sensor({ reading: { points } })));
  }
  return saved;
}

/** Mean ms of `count` runs of `run`. */
async function meanMs(run: (index: number) => Promise<unknown>, count: number): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < count; index++) await run(index);
  return (performance.now() - started) / count;
}

/** Interleaved rounds of `a` and `b`: the median ms of each, and the median and spread of b / a. */
async function compare(a: () => Promise<number>, b: () => Promise<number>) {
  await a();
  await b();
  const as: number[] = [];
  const bs: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const x = await a();
    const y = await b();
    as.push(x);
    bs.push(y);
    ratios.push(y / x);
  }
  return {
    a: median(as),
    b: median(bs),
    ratio: median(ratios),
    min: Math.min(...ratios),
    max: Math.max(...ratios),
  };
}

const started = performance.now();
const cluster = await startPgCluster({ fast: false });
const dir = mkdtempSync(join(tmpdir(), 'constelite-series-bench-'));
const subjects: { name: string; driver: () => StorageDriver; small: number; large: number }[] = [
  { name: 'memory', driver: () => new MemoryDriver(), small: 100, large: 100_000 },
  {
    name: 'sqlite',
    driver: () => new SqliteDriver({ path: join(dir, 'series.db'), synchronous: 'normal' }),
    small: 100,
    large: 100_000,
  },
  {
    name: 'postgres',
    driver: () => new PostgresDriver({ url: cluster.url, schema: 'series_bench' }),
    small: 100,
    large: 100_000,
  },
  // The generic path rewrites the whole series on every append: 10,000 points already show it.
  { name: 'generic', driver: () => generic(new MemoryDriver()), small: 100, large: 10_000 },
];

try {
  console.log(
    `Series benchmark: one-point append (patch) and a window read, ${ROUNDS} interleaved rounds of ${APPENDS} calls; aim: append at 100,000 points ≤ 2× append at 100.\n`,
  );
  console.log(
    `${'store'.padEnd(10)}${'operation'.padEnd(34)}${'short'.padStart(12)}${'long'.padStart(12)}${'ratio (spread)'.padStart(24)}`,
  );
  for (const subject of subjects.filter(
    (s) => !process.env.BENCH_ONLY || s.name === process.env.BENCH_ONLY,
  )) {
    const store = new Store({ name: subject.name, driver: subject.driver() });
    const short = await sensorWith(store, subject.small);
    const long = await sensorWith(store, subject.large);
    let next = subject.large;
    const append = (sensor: Ref) => () =>
      meanMs(
        () =>
          store.patch(sensor.withState(Sensor({ reading: { points: [{ timestamp: next++, value: 1 }] } }))),
        APPENDS,
      );
    const appended = await compare(append(short), append(long));
    const row = (label: string, r: typeof appended, note = '') =>
      console.log(
        `${subject.name.padEnd(10)}${label.padEnd(34)}${`${fmt(r.a)} ms`.padStart(12)}${`${fmt(r.b)} ms`.padStart(12)}${`${fmt(r.ratio, 2)}× (${fmt(r.min, 2)}–${fmt(r.max, 2)})`.padStart(24)}${note}`,
      );
    row(
      `append 1 point (${subject.small.toLocaleString('en-US')} vs ${subject.large.toLocaleString('en-US')})`,
      appended,
    );
    const windowed = await compare(
      () => meanMs(() => store.get(short), APPENDS),
      () => meanMs(() => store.get(long, { from: next - 60 }), APPENDS),
    );
    row('get: short whole vs long, last 60', windowed);
    const alive = setInterval(() => undefined, 1000);
    await store.close();
    clearInterval(alive);
  }
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
  console.log(`\nseries bench took ${fmt((performance.now() - started) / 1000, 1)} s`);
}
