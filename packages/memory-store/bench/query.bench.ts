/**
 * `pnpm bench` (second part): the memory store's indexed queries at 100,000 records of a
 * model against 1,000, as ratios measured in one run (aim ≤ 2× for the equality: the
 * per-field index finds the records without reading the others). The two sizes alternate
 * over rounds, so that a busy machine (or a collection) slows both alike; the median and
 * spread of the per-round ratio are printed. A round is long enough (tens of milliseconds)
 * that one descheduling of the process on a shared machine does not decide its ratio, and
 * which size goes first alternates from round to round, so that neither size always runs
 * right after the other's garbage.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type AnyStateModel, stateModel } from '@constelite/core';
import { Store } from '@constelite/store';
import { z } from 'zod';
import { MemoryDriver } from '../src/index.js';

const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_LARGE ?? 100_000);
const QUERIES = 18_000;
const ROUNDS = 9;

const shape = { name: z.string(), group: z.number().int(), score: z.number() };
const Small = stateModel('MemoryQueryBenchSmall', shape);
const Large = stateModel('MemoryQueryBenchLarge', shape);

/** A store holding `count` records of `model`: unique names, `group` of 100 records each, spread scores. */
async function storeOf(model: AnyStateModel, count: number): Promise<Store> {
  const driver = new MemoryDriver();
  const store = new Store({ uid: randomUUID(), driver });
  await driver.transaction('write', async (tx) => {
    for (let index = 0; index < count; index++) {
      await tx.createRecord({
        uid: randomUUID(),
        model: model.modelName,
        fields: { name: `item ${index}`, group: index % (count / 100), score: (index * 7919) % count },
      });
    }
  });
  return store;
}

/** Mean ms of `count` queries of `query`, from the `from`-th on, each checked for its number of records. */
async function meanMs(
  store: Store,
  query: (index: number) => Parameters<Store['query']>[0],
  expected: number,
  from: number,
  count: number,
) {
  const started = performance.now();
  for (let index = from; index < from + count; index++) {
    const found = await store.query(query(index));
    if (found.length !== expected) throw new Error(`expected ${expected} records, found ${found.length}`);
  }
  return (performance.now() - started) / count;
}

const median = (values: readonly number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const shapes: [
  string,
  (model: AnyStateModel, count: number, index: number) => Parameters<Store['query']>[0],
  number,
][] = [
  [
    'equality on a unique field',
    (model, count, index) => ({ model, where: { name: `item ${(index * 7) % count}` } }),
    1,
  ],
  [
    'equality on a field of 100 records each',
    (model, count, index) => ({ model, where: { group: index % (count / 100) } }),
    100,
  ],
  [
    'range + orderBy + limit 50',
    (model, count, index) => ({
      model,
      where: { score: { $gte: (index * 37) % (count - 100) } },
      orderBy: [{ field: 'score' }],
      limit: 50,
    }),
    50,
  ],
];

const format = (value: number, digits = 4) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const small = await storeOf(Small, SMALL);
const large = await storeOf(Large, LARGE);
const per = Math.floor(QUERIES / ROUNDS);
console.log(
  `Memory store queries, ${ROUNDS} alternating rounds of ${per}, at ${SMALL.toLocaleString('en-US')} and ${LARGE.toLocaleString('en-US')} records of the model (aim ≤ 2×; medians, ratio spread min–max):`,
);
for (const [label, build, expected] of shapes) {
  const atSmall = (from: number, count: number) =>
    meanMs(small, (index) => build(Small, SMALL, index), expected, from, count);
  const atLarge = (from: number, count: number) =>
    meanMs(large, (index) => build(Large, LARGE, index), expected, from, count);
  await atSmall(0, 200);
  await atLarge(0, 200);
  const smalls: number[] = [];
  const larges: number[] = [];
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
    smalls.push(s);
    larges.push(l);
    ratios.push(l / s);
  }
  console.log(
    `  ${label.padEnd(42)}${`${format(median(smalls))} ms`.padStart(14)}${`${format(median(larges))} ms`.padStart(14)}${`${format(median(ratios), 2)}× (${format(Math.min(...ratios), 2)}–${format(Math.max(...ratios), 2)})`.padStart(22)}`,
  );
}
