// `pnpm bench` (fourth part): the PostgreSQL store against the raw `postgres` driver running
// the same data statements, one transaction each, on a schema the store made, in the same
// run: put (create), get and patch of a small state (aim: the store ≥ 0.5× of raw). The raw
// side skips what only the store does (the write gate, serializable isolation), so it is the
// stricter reference. Rounds alternate store and raw; the median and spread of the ratio are
// printed with the rates behind them. Starts its own throwaway PostgreSQL (fsync on).
// Prints numbers, asserts nothing.
import { type Ref, ref, stateModel } from '@constelite/core';
import postgres from 'postgres';
import { z } from 'zod';
import { PostgresStore } from '../src/index.js';
import { startPgCluster } from './pg-cluster.js';

const Cat = stateModel('RawBenchPgCat', { name: z.string(), lives: z.number().int() });
const OPS = Number(process.env.BENCH_OPS ?? 200);
const ROUNDS = 7;

const cluster = await startPgCluster({ fast: false });
const store = new PostgresStore({ url: cluster.url, schema: 'raw_bench_store' });
await store.connect();
// The raw side: the same tables (made by a store on a schema of their own), the same statements.
const rawSchema = new PostgresStore({ url: cluster.url, schema: 'raw_bench_raw' });
await rawSchema.connect();
await rawSchema.close();
const sql = postgres(cluster.url, { max: 10, onnotice: () => undefined });
const s = '"raw_bench_raw"';
const SCALARS = `('string', 'number', 'boolean')`;
const model = Cat.modelName;

async function rawPut(name: string, lives: number): Promise<string> {
  const uid = crypto.randomUUID();
  await sql.begin((tx) =>
    tx.unsafe(
      `WITH record AS (
         INSERT INTO ${s}.records (uid, model, fields) VALUES ($1, $2, $3::text::jsonb) RETURNING uid, model, fields)
       INSERT INTO ${s}.record_values (uid, model, field, value)
         SELECT record.uid, record.model, field.key, ${s}.constelite_index_key(field.value)
         FROM record, jsonb_each(record.fields) AS field WHERE jsonb_typeof(field.value) IN ${SCALARS}`,
      [uid, model, JSON.stringify({ name, lives })],
      { prepare: true },
    ),
  );
  return uid;
}

async function rawGet(uid: string): Promise<Record<string, unknown>> {
  const [row] = await sql.begin('isolation level repeatable read read only', (tx) =>
    tx.unsafe<{ uid: string; model: string; fields: string }[]>(
      `SELECT uid, model, fields::text AS fields FROM ${s}.records WHERE uid = $1`,
      [uid],
      { prepare: true },
    ),
  );
  return { model_name: row!.model, ...JSON.parse(row!.fields) };
}

async function rawPatch(uid: string, lives: number): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe(`SELECT uid, model FROM ${s}.records WHERE uid = ANY($1::text[])`, [[uid]], {
      prepare: true,
    });
    await tx.unsafe(
      `WITH record AS (
         UPDATE ${s}.records SET fields = fields || $2::text::jsonb WHERE uid = $1 RETURNING uid, model),
       given AS (SELECT key, value FROM jsonb_each($2::text::jsonb)),
       indexed AS (
         INSERT INTO ${s}.record_values (uid, model, field, value)
           SELECT record.uid, record.model, given.key, ${s}.constelite_index_key(given.value) FROM record, given
           WHERE jsonb_typeof(given.value) IN ${SCALARS}
         ON CONFLICT (uid, field) DO UPDATE SET value = EXCLUDED.value)
       SELECT uid FROM record`,
      [uid, JSON.stringify({ lives })],
      { prepare: true },
    );
  });
}

/** Operations per second of `run` over `OPS` calls. */
async function rate(run: (index: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < OPS; index++) await run(index);
  return OPS / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const storeRefs: Ref[] = [];
const rawUids: string[] = [];
const operations: Record<
  string,
  { store: (index: number) => Promise<unknown>; raw: (index: number) => Promise<unknown> }
> = {
  put: {
    store: async (index) => storeRefs.push(await store.put(ref(Cat({ name: `cat ${index}`, lives: 9 })))),
    raw: async (index) => rawUids.push(await rawPut(`cat ${index}`, 9)),
  },
  get: {
    store: (index) => store.get(storeRefs[index % storeRefs.length]!),
    raw: (index) => rawGet(rawUids[index % rawUids.length]!),
  },
  patch: {
    store: (index) => store.patch(storeRefs[index % storeRefs.length]!.withState(Cat({ lives: index % 9 }))),
    raw: (index) => rawPatch(rawUids[index % rawUids.length]!, index % 9),
  },
};

try {
  console.log(
    `PostgreSQL store vs the raw postgres driver, same data statements, one transaction each, ${ROUNDS} alternating rounds of ${OPS} calls (aim ≥ 0.50×)\n`,
  );
  console.log(
    `${'operation'.padEnd(10)}${'store ops/s'.padStart(14)}${'raw ops/s'.padStart(14)}${'ratio (spread)'.padStart(24)}`,
  );
  for (const [name, operation] of Object.entries(operations)) {
    await rate(operation.store);
    await rate(operation.raw);
    const stores: number[] = [];
    const raws: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const a = await rate(operation.store);
      const b = await rate(operation.raw);
      stores.push(a);
      raws.push(b);
      ratios.push(a / b);
    }
    console.log(
      `${name.padEnd(10)}${fmt(median(stores)).padStart(14)}${fmt(median(raws)).padStart(14)}${`${fmt(median(ratios), 2)}× (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`.padStart(24)}`,
    );
  }
} finally {
  await sql.end();
  await store.close();
  await cluster.stop();
}
