/**
 * `pnpm bench`: throughput and scaling of the memory store, as ratios measured in one run (the
 * absolute numbers depend on the machine; the ratios should not).
 *
 * 1. put+get of a small state per second, against a plain Map with structuredClone (aim ≥ 0.6×).
 * 2. the memory (RSS and heap used) of 100,000 small records in the store, against a Map
 *    holding the same JSON objects, each side in a child process of its own (aim ≤ 2×).
 * 3. one aggregation append on a list of 10,000 members against one of 100 (aim ≤ 2×).
 * 4. delete of composition trees of 1,000, 10,000 and 50,000 nodes: cost per node (linear: ≈ 1×).
 *
 * The two sides of a ratio run interleaved (A, B, A, B …) for several rounds; each ratio is
 * printed as the median of the rounds' ratios with their spread (min–max), and so are the
 * absolute figures of each side.
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
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

/** `median (min–max)` of the values, each formatted with `digits` and `unit`. */
const spread = (values: number[], digits = 0, unit = '') =>
  `${format(median(values), digits)}${unit} (${format(Math.min(...values), digits)}–${format(Math.max(...values), digits)}${unit})`;

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
  // The two alternate, the first of a round in turn, so that a busy machine slows both alike.
  const storeRates: number[] = [];
  const mapRates: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < 14; round++) {
    let storeTime = 0;
    let mapTime = 0;
    if (round % 2 === 0) {
      storeTime = await timeIt({ warmup: 0, repetitions: 1 }, () => undefined, store);
      mapTime = await timeIt({ warmup: 0, repetitions: 1 }, () => undefined, map);
    } else {
      mapTime = await timeIt({ warmup: 0, repetitions: 1 }, () => undefined, map);
      storeTime = await timeIt({ warmup: 0, repetitions: 1 }, () => undefined, store);
    }
    // (no forced collection here: both sides make garbage at their own pace, which is part of their cost)
    if (round >= 4) {
      storeRates.push(operations / storeTime);
      mapRates.push(operations / mapTime);
      ratios.push(mapTime / storeTime);
    }
  }
  console.log(
    `put+get of a small state, ${ratios.length} rounds: ratio ${spread(ratios, 2, '×')} (aim ≥ 0.6×); ` +
      `store ${spread(storeRates)}/s, Map set/get with structuredClone ${spread(mapRates)}/s`,
  );
}

// --- 2. memory footprint --------------------------------------------------------------------

const RECORDS = 100_000;

interface Footprint {
  rss: number;
  heapUsed: number;
}

/** Run in a child process: the memory `RECORDS` small records take in a store or in a Map. */
async function footprintChild(kind: 'store' | 'map'): Promise<void> {
  const settle = async () => {
    for (let index = 0; index < 4; index++) {
      collectGarbage?.();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const { rss, heapUsed } = process.memoryUsage();
    return { rss, heapUsed };
  };
  // Both sides load the same modules and warm the same paths before the baseline.
  const warm = new MemoryStore({ uid: randomUUID() });
  await warm.get(await warm.put(ref(BenchCat({ name: 'warm', lives: 9 }))));
  const before = await settle();
  let held: unknown;
  if (kind === 'store') {
    const memory = new MemoryStore({ uid: randomUUID() });
    for (let index = 0; index < RECORDS; index++)
      await memory.put(ref(BenchCat({ name: `cat ${index}`, lives: 9 })));
    held = memory;
  } else {
    const plain = new Map<string, unknown>();
    for (let index = 0; index < RECORDS; index++)
      plain.set(randomUUID(), structuredClone({ model_name: 'BenchCat', name: `cat ${index}`, lives: 9 }));
    held = plain;
  }
  const after = await settle();
  process.send!({
    rss: after.rss - before.rss,
    heapUsed: after.heapUsed - before.heapUsed,
    held: held !== undefined,
  });
}

/** The footprint a child process measures for `kind`. */
function footprint(kind: 'store' | 'map'): Promise<Footprint> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), ['--footprint-child', kind], {
      execArgv: process.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let result: Footprint | null = null;
    child.on('message', (message) => {
      result = message as Footprint;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      result ? resolve(result) : reject(new Error(`the ${kind} footprint child exited with ${code}`)),
    );
  });
}

async function footprintRatio(): Promise<void> {
  const store: Footprint[] = [];
  const map: Footprint[] = [];
  for (let round = 0; round < 5; round++) {
    if (round % 2 === 0) {
      store.push(await footprint('store'));
      map.push(await footprint('map'));
    } else {
      map.push(await footprint('map'));
      store.push(await footprint('store'));
    }
  }
  const mb = (bytes: number) => bytes / 2 ** 20;
  const of = (list: Footprint[], key: keyof Footprint) => list.map((entry) => mb(entry[key]));
  const ratios = (key: keyof Footprint) => store.map((entry, index) => entry[key] / map[index]![key]);
  console.log(
    `memory of ${format(RECORDS)} small records, ${store.length} rounds of a child process each (growth over the process's baseline):`,
  );
  console.log(
    `  RSS: store ${spread(of(store, 'rss'), 1, ' MB')}, Map ${spread(of(map, 'rss'), 1, ' MB')}; ratio ${spread(ratios('rss'), 2, '×')} (aim ≤ 2×)`,
  );
  console.log(
    `  heap used: store ${spread(of(store, 'heapUsed'), 1, ' MB')}, Map ${spread(of(map, 'heapUsed'), 1, ' MB')}; ratio ${spread(ratios('heapUsed'), 2, '×')} (aim ≤ 2×)`,
  );
}

// --- 3. aggregation append ------------------------------------------------------------------

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
  const micros = (times: number[]) => times.map((time) => time * 1e6);
  const ratios = largeTimes.map((time, index) => time / smallTimes[index]!);
  console.log(
    `aggregation append, ${ratios.length} rounds: ratio ${spread(ratios, 2, '×')} (aim ≤ 2×); ${spread(micros(smallTimes), 1, ' µs')} at 100 members, ${spread(micros(largeTimes), 1, ' µs')} at 10,000`,
  );
}

// --- 4. composition delete ------------------------------------------------------------------

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

const childKind = process.argv.indexOf('--footprint-child');
if (childKind !== -1) {
  await footprintChild(process.argv[childKind + 1] as 'store' | 'map');
} else {
  console.log(
    `@constelite/memory-store benchmark (node ${process.version}; medians of several runs after warm-up, spread min–max)`,
  );
  await putGetRatio();
  await footprintRatio();
  await appendRatio();
  await deleteRatio();
}
