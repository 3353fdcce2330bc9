/**
 * `pnpm bench` (second part): the memory store's indexed queries at 100,000 records of a
 * model against 1,000, as ratios measured in one run (aim ≤ 2× for the equality: the
 * per-field index finds the records without reading the others).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type AnyStateModel, stateModel } from '@constelite/core';
import { Store } from '@constelite/store';
import { z } from 'zod';
import { MemoryDriver } from '../src/index.js';

const SMALL = 1_000;
const LARGE = Number(process.env.BENCH_LARGE ?? 100_000);
const QUERIES = 2_000;

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

async function meanMs(
  store: Store,
  query: (index: number) => Parameters<Store['query']>[0],
  expected: number,
) {
  for (let index = 0; index < 200; index++) await store.query(query(index));
  const started = performance.now();
  for (let index = 0; index < QUERIES; index++) {
    const found = await store.query(query(index));
    if (found.length !== expected) throw new Error(`expected ${expected} records, found ${found.length}`);
  }
  return (performance.now() - started) / QUERIES;
}

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
console.log(
  `Memory store queries, mean of ${QUERIES}, at ${SMALL.toLocaleString('en-US')} and ${LARGE.toLocaleString('en-US')} records of the model (aim ≤ 2×):`,
);
for (const [label, build, expected] of shapes) {
  const smallMs = await meanMs(small, (index) => build(Small, SMALL, index), expected);
  const largeMs = await meanMs(large, (index) => build(Large, LARGE, index), expected);
  console.log(
    `  ${label.padEnd(42)}${`${format(smallMs)} ms`.padStart(14)}${`${format(largeMs)} ms`.padStart(14)}${`${format(largeMs / smallMs, 2)}×`.padStart(9)}`,
  );
}
