// `pnpm bench`: the SQLite store against raw better-sqlite3 running the same statements with
// the same durability (WAL, synchronous=FULL, one transaction per write), on files of the
// same schema, in the same run: put (create), get and patch of a small state (aim: the store
// ≥ 0.5× of raw). Rounds alternate store and raw, so that a busy machine slows both alike;
// the median and spread (min–max) of the ratio are printed with the figures behind them.
// Prints numbers, asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Ref, ref, stateModel } from '@constelite/core';
import Database from 'better-sqlite3';
import { z } from 'zod';
import { SqliteStore } from '../src/index.js';

const Cat = stateModel('RawBenchCat', { name: z.string(), lives: z.number().int() });
const OPS = Number(process.env.BENCH_OPS ?? 300);
const ROUNDS = 7;

const dir = mkdtempSync(join(tmpdir(), 'constelite-raw-bench-'));
const store = new SqliteStore({ path: join(dir, 'store.db') });
// The raw side: a file of the same schema (made by the driver), written with the same statements.
const rawPath = join(dir, 'raw.db');
await new SqliteStore({ path: rawPath }).close();
const db = new Database(rawPath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
// BEGIN and COMMIT prepared once, as better-sqlite3's own `db.transaction` does.
const raw = {
  begin: db.prepare('BEGIN'),
  beginImmediate: db.prepare('BEGIN IMMEDIATE'),
  commit: db.prepare('COMMIT'),
  insertRecord: db.prepare('INSERT INTO records (uid, model, fields) VALUES (?, ?, ?)'),
  insertValue: db.prepare('INSERT INTO record_values (uid, model, field, value) VALUES (?, ?, ?, ?)'),
  insertQueryValue: db.prepare('INSERT INTO query_values (uid, model, field, t, v) VALUES (?, ?, ?, ?, ?)'),
  readRecord: db.prepare<[string], { uid: string; model: string; fields: string }>(
    'SELECT uid, model, fields FROM records WHERE uid = ?',
  ),
  getModel: db.prepare<[string], { uid: string; model: string }>(
    'SELECT uid, model FROM records WHERE uid = ?',
  ),
  updateFields: db.prepare('UPDATE records SET fields = ? WHERE uid = ?'),
  deleteValue: db.prepare('DELETE FROM record_values WHERE uid = ? AND field = ?'),
  deleteQueryValue: db.prepare('DELETE FROM query_values WHERE uid = ? AND field = ?'),
};
const model = Cat.modelName;

function rawPut(name: string, lives: number): string {
  const uid = crypto.randomUUID();
  raw.beginImmediate.run();
  raw.insertRecord.run(uid, model, JSON.stringify({ name, lives }));
  raw.insertValue.run(uid, model, 'name', JSON.stringify(name));
  raw.insertValue.run(uid, model, 'lives', JSON.stringify(lives));
  raw.insertQueryValue.run(uid, model, 'name', 2, name);
  raw.insertQueryValue.run(uid, model, 'lives', 1, lives);
  raw.commit.run();
  return uid;
}

function rawGet(uid: string): { name: string; lives: number } {
  raw.begin.run();
  const row = raw.readRecord.get(uid)!;
  raw.commit.run();
  return { model_name: row.model, ...JSON.parse(row.fields) };
}

function rawPatch(uid: string, lives: number): void {
  raw.beginImmediate.run();
  raw.getModel.get(uid);
  const row = raw.readRecord.get(uid)!;
  raw.updateFields.run(JSON.stringify({ ...JSON.parse(row.fields), lives }), uid);
  raw.deleteValue.run(uid, 'lives');
  raw.insertValue.run(uid, model, 'lives', JSON.stringify(lives));
  raw.deleteQueryValue.run(uid, 'lives');
  raw.insertQueryValue.run(uid, model, 'lives', 1, lives);
  raw.commit.run();
}

/** Operations per second of `run` over `OPS` calls. */
async function rate(run: (index: number) => unknown): Promise<number> {
  const started = performance.now();
  for (let index = 0; index < OPS; index++) await run(index);
  return OPS / ((performance.now() - started) / 1000);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

const storeRefs: Ref[] = [];
const rawUids: string[] = [];
const operations: Record<string, { store: (index: number) => unknown; raw: (index: number) => unknown }> = {
  put: {
    store: async (index) => storeRefs.push(await store.put(ref(Cat({ name: `cat ${index}`, lives: 9 })))),
    raw: (index) => rawUids.push(rawPut(`cat ${index}`, 9)),
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
    `SQLite store vs raw better-sqlite3, same statements, WAL + synchronous=FULL, ${ROUNDS} alternating rounds of ${OPS} calls (aim ≥ 0.50×)\n`,
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
      const s = await rate(operation.store);
      const r = await rate(operation.raw);
      stores.push(s);
      raws.push(r);
      ratios.push(s / r);
    }
    console.log(
      `${name.padEnd(10)}${fmt(median(stores)).padStart(14)}${fmt(median(raws)).padStart(14)}${`${fmt(median(ratios), 2)}× (${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)})`.padStart(24)}`,
    );
  }
} finally {
  db.close();
  const alive = setInterval(() => undefined, 1000);
  await store.close();
  clearInterval(alive);
  rmSync(dir, { recursive: true, force: true });
}
