/**
 * `pnpm bench`: throughput and scaling of the memory store, as ratios measured in one run (the
 * absolute numbers depend on the machine; the ratios should not).
 *
 * 1. put+get of a small state per second, against a plain Map with structuredClone (aim ≥ 0.5×).
 * 2. one aggregation append on a list of 10,000 members against one of 100 (aim ≤ 2×).
 * 3. delete of composition trees of 1,000, 10,000 and 50,000 nodes: cost per node (linear: ≈ 1×).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type AnyStateModel, aggregation, composition, type Ref, ref, stateModel } from '@constelite/core';
import { z } from 'zod';
import { MemoryStore } from '../src/index.js';

const BenchCat = stateModel('BenchCat', { name: z.string(), lives: z.number().int() });
const BenchGang = stateModel('BenchGang', { name: z.string(), members: aggregation(() => BenchCat) });
const BenchNode = stateModel('BenchNode', {
  index: z.number().int(),
  children: composition((): AnyStateModel => BenchNode),
});

/** Present when node runs with --expose-gc (the `bench` script passes it). */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** Median seconds of `run` over `repetitions`, after `warmup` untimed runs; `setup` is not timed. */
async function timeIt<T>(
  options: { warmup: number; repetitions: number; collect?: boolean },
  setup: () => Promise<T> | T,
  run: (input: T) => Promise<unknown> | unknown,
): Promise<number> {
  const times: number[] = [];
  for (let index = 0; index < options.warmup + options.repetitions; index++) {
    const input = await setup();
    // Collect the garbage of a heavy setup now, so that the timed run does not pay for it.
    if (options.collect) collectGarbage?.();
    const start = performance.now();
    await run(input);
    const elapsed = (performance.now() - start) / 1000;
    if (index >= options.warmup) times.push(elapsed);
  }
  return median(times);
}

const format = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

// --- 1. put+get throughput -----------------------------------------------------------------

async function putGetRatio(): Promise<void> {
  const operations = 5_000;
  const store = async () => {
    const memory = new MemoryStore({ uid: randomUUID() });
    for (let index = 0; index < operations; index++) {
      const saved = await memory.put(ref(BenchCat({ name: `cat ${index}`, lives: 9 })));
      await memory.get(saved);
    }
  };
  const map = async () => {
    const plain = new Map<string, unknown>();
    for (let index = 0; index < operations; index++) {
      const uid = randomUUID();
      plain.set(uid, structuredClone({ model_name: 'BenchCat', name: `cat ${index}`, lives: 9 }));
      structuredClone(plain.get(uid));
    }
  };
  // The two alternate, so that a busy machine slows both alike.
  const storeTimes: number[] = [];
  const mapTimes: number[] = [];
  for (let round = 0; round < 12; round++) {
    const storeTime = await timeIt({ warmup: 0, repetitions: 1 }, () => undefined, store);
    const mapTime = await timeIt({ warmup: 0, repetitions: 1 }, () => undefined, map);
    // (no forced collection here: both sides make garbage at their own pace, which is part of their cost)
    if (round >= 3) {
      storeTimes.push(storeTime);
      mapTimes.push(mapTime);
    }
  }
  const storeRate = operations / median(storeTimes);
  const mapRate = operations / median(mapTimes);
  console.log(
    `put+get of a small state: ${format(storeRate)}/s; Map set/get with structuredClone: ${format(mapRate)}/s; ratio ${format(storeRate / mapRate, 2)}× (aim ≥ 0.5×)`,
  );
}

// --- 2. aggregation append ------------------------------------------------------------------

/** A store holding a gang of `members` cats, and spare cats to append. */
async function gangOf(members: number, spare: number) {
  const store = new MemoryStore({ uid: randomUUID() });
  const cats: Ref[] = [];
  for (let index = 0; index < members + spare; index++)
    cats.push(await store.put(ref(BenchCat({ name: `cat ${index}` }))));
  const gang = await store.put(ref(BenchGang({ name: 'Alley', members: cats.slice(0, members) })));
  let next = members;
  /** Appends `count` new members, one patch each. */
  const append = async (count: number) => {
    const batch = cats.slice(next, next + count);
    next += count;
    for (const cat of batch) await store.patch(gang.withState(BenchGang({ members: [cat] })));
  };
  return append;
}

async function appendRatio(): Promise<void> {
  const appends = 200;
  const rounds = 10;
  const small = await gangOf(100, appends * rounds);
  const large = await gangOf(10_000, appends * rounds);
  const smallTimes: number[] = [];
  const largeTimes: number[] = [];
  // Rounds alternate between the two lists, so that a busy machine slows both alike; the
  // lists grow by at most 2,000 members (20% of the large one, a lot of the small one: which
  // only makes the small one look slower, the ratio conservative).
  for (let round = 0; round < rounds; round++) {
    const smallTime = await timeIt(
      { warmup: 0, repetitions: 1, collect: true },
      () => undefined,
      () => small(appends),
    );
    const largeTime = await timeIt(
      { warmup: 0, repetitions: 1, collect: true },
      () => undefined,
      () => large(appends),
    );
    if (round >= 2) {
      smallTimes.push(smallTime / appends);
      largeTimes.push(largeTime / appends);
    }
  }
  const smallSeconds = median(smallTimes);
  const largeSeconds = median(largeTimes);
  console.log(
    `aggregation append: ${format(smallSeconds * 1e6, 1)} µs at 100 members, ${format(largeSeconds * 1e6, 1)} µs at 10,000; ratio ${format(largeSeconds / smallSeconds, 2)}× (aim ≤ 2×)`,
  );
}

// --- 3. composition delete ------------------------------------------------------------------

/** A root with `width` children of 9 children each: 1 + 10 × width nodes. */
function tree(width: number) {
  return ref(
    BenchNode({
      index: 0,
      children: Array.from({ length: width }, (_, child) =>
        ref(
          BenchNode({
            index: child,
            children: Array.from({ length: 9 }, (_, leaf) => ref(BenchNode({ index: leaf }))),
          }),
        ),
      ),
    }),
  );
}

function deleteTree(width: number): Promise<number> {
  return timeIt(
    { warmup: 0, repetitions: 1, collect: true },
    async () => {
      const store = new MemoryStore({ uid: randomUUID() });
      return { store, root: await store.put(tree(width)) };
    },
    async ({ store, root }) => {
      await store.delete(root);
      if ((await store.query({ model: BenchNode })).length !== 0) throw new Error('the tree was not deleted');
    },
  );
}

async function deleteRatio(): Promise<void> {
  const widths = [100, 1_000, 5_000];
  const times = new Map<number, number[]>(widths.map((width) => [width, []]));
  // Alternating sizes, as above; the first two rounds warm up.
  for (let round = 0; round < 7; round++) {
    for (const width of widths) {
      const time = await deleteTree(width);
      if (round >= 2) times.get(width)!.push(time);
    }
  }
  const perNode = (width: number) => (median(times.get(width)!) / (width * 10 + 1)) * 1e6;
  const small = perNode(100);
  const parts = widths.map(
    (width) => `${format(median(times.get(width)!) * 1e3, 1)} ms for ${format(width * 10 + 1, 0)} nodes`,
  );
  console.log(`composition delete: ${parts.join(', ')}`);
  console.log(
    `  per node: ${widths.map((width) => `${format(perNode(width), 2)} µs`).join(', ')}; ` +
      `10,001 vs 1,001 nodes ${format(perNode(1_000) / small, 2)}×, 50,001 vs 1,001 nodes ${format(perNode(5_000) / small, 2)}× per node (linear ≈ 1×)`,
  );
}

console.log(
  `@constelite/memory-store benchmark (node ${process.version}; medians of several runs after warm-up)`,
);
await putGetRatio();
await appendRatio();
await deleteRatio();
