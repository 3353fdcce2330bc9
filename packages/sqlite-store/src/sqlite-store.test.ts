import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isConsteliteError, ref } from '@constelite/core';
import { expectError, SuiteBook, SuiteCat, SuiteHuman, SuitePage } from '@constelite/store-test-suite';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { querySql } from './driver.js';
import { SQLITE_SCHEMA_VERSION, SqliteStore, type SqliteStoreOptions } from './index.js';

let dir: string;
const open: SqliteStore[] = [];

function openStore(file = 'store.db'): SqliteStore {
  const store = new SqliteStore({ path: join(dir, file), uid: '1b7f7a52-63a4-4a47-9d3c-9d8f8c0d1e11' });
  open.push(store);
  return store;
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sqlite-store-'));
});
afterEach(async () => {
  for (const store of open.splice(0)) await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('creates the schema on first open, records its version and uses WAL', () => {
    const store = openStore();
    expect(store.sqlite.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
    expect(store.sqlite.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.sqlite.capabilities).toEqual({
      persistent: true,
      multiProcess: true,
      guids: true,
      series: true,
    });
  });

  it('migrates a schema-2 file (before guids and series) to the current schema: its records take guids, its series read as before and a put moves them out of the fields', async () => {
    const path = join(dir, 'old.db');
    const first = new SqliteStore({ path });
    const saved = await first.put(ref(SuiteHuman({ name: 'Bo' })));
    const cat = await first.put(ref(SuiteCat({ name: 'Tom' })));
    await first.close();
    // What a file written by the schema-2 driver looks like: no guids or series tables, and
    // a dynamic field's series inside the record's fields.
    const db = new Database(path);
    db.exec('DROP TABLE guids; DROP TABLE series');
    db.prepare('UPDATE records SET fields = json_set(fields, ?, json(?)) WHERE uid = ?').run(
      '$.weight',
      JSON.stringify({
        points: [
          { timestamp: 1, value: 4 },
          { timestamp: 2, value: 4.5 },
        ],
      }),
      cat.record!.uid,
    );
    db.pragma('user_version = 2');
    db.close();
    const store = new SqliteStore({ path, uid: first.uid, guids: true });
    open.push(store);
    expect(store.sqlite.schemaVersion).toBe(SQLITE_SCHEMA_VERSION);
    const got = await store.get(saved);
    expect(got.state?.name).toBe('Bo');
    expect(got.guid).toBeNull();
    const guid = crypto.randomUUID();
    await store.patch(ref(SuiteHuman({ age: 3 }), { record: saved.record, guid }));
    expect((await store.get(ref(SuiteHuman({}), { guid }))).record?.uid).toBe(saved.record?.uid);
    // The old series reads as it was, windows included, and a patch appends to it.
    const weight = (...pairs: [number, number][]) => ({
      points: pairs.map(([timestamp, value]) => ({ timestamp, value })),
    });
    expect((await store.get(cat)).state?.weight).toEqual(weight([1, 4], [2, 4.5]));
    expect((await store.get(cat, { from: 2 })).state?.weight).toEqual(weight([2, 4.5]));
    await store.patch(cat.withState(SuiteCat({ weight: weight([3, 5], [2, 9]) })));
    expect((await store.get(cat)).state?.weight).toEqual(weight([1, 4], [2, 9], [3, 5]));
    // A put replaces the whole series, the old points in the fields included.
    await store.put(cat.withState(SuiteCat({ weight: weight([7, 7]) })));
    expect((await store.get(cat)).state?.weight).toEqual(weight([7, 7]));
    const row = store.sqlite.database
      .prepare<[string], { fields: string }>('SELECT fields FROM records WHERE uid = ?')
      .get(cat.record!.uid);
    expect(JSON.parse(row!.fields).weight ?? null).toBeNull();
  });

  it('works on an in-memory database', async () => {
    const store = new SqliteStore({ path: ':memory:' });
    open.push(store);
    const saved = await store.put(ref(SuiteHuman({ name: 'Bo' })));
    expect((await store.get(saved)).state?.name).toBe('Bo');
    expect(store.sqlite.capabilities.persistent).toBe(false);
  });

  it('refuses a file written by a newer schema version with a STORE_FAULT naming the file', () => {
    const path = join(dir, 'future.db');
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    let error: unknown;
    try {
      new SqliteStore({ path });
    } catch (caught) {
      error = caught;
    }
    expect(isConsteliteError(error, 'STORE_FAULT')).toBe(true);
    expect((error as Error).message).toContain('future.db');
  });

  it('answers model and property queries from an index, not a scan of every record (EXPLAIN QUERY PLAN)', async () => {
    const store = openStore();
    await store.put(ref(SuiteCat({ name: 'Tom', lives: 9 })));
    const plan = (sql: string, ...params: unknown[]) =>
      store.sqlite.database
        .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((row) => row.detail)
        .join('\n');
    // The models of a query of a model with one sub-model.
    const byProperty = querySql(
      ['SuiteCat', 'SuiteKitten'],
      [
        ['lives', 9],
        ['name', 'Tom'],
      ],
      false,
    );
    const byModel = querySql(['SuiteCat', 'SuiteKitten'], [], false);

    const propertyPlan = plan(byProperty.sql, ...byProperty.params);
    expect(propertyPlan).toMatch(/SEARCH v0 USING (COVERING )?INDEX record_values_lookup/);
    expect(propertyPlan).not.toMatch(/SCAN (r|v0|v1)\b/);
    const modelPlan = plan(byModel.sql, ...byModel.params);
    expect(modelPlan).toMatch(/SEARCH r USING INDEX records_model/);
    expect(plan('SELECT source FROM links WHERE target = ?', 'x')).toMatch(/USING INDEX links_target/);
  });

  it('deleting an owner with its composition members leaves no row behind in records, links or record_values', async () => {
    const store = openStore();
    const book = await store.put(
      ref(SuiteBook({ title: 'B', pages: [ref(SuitePage({ index: 1 })), ref(SuitePage({ index: 2 }))] })),
    );
    expect(await store.query({ model: SuitePage })).toHaveLength(2);
    await store.delete(book);
    expect(await store.query({ model: SuitePage })).toEqual([]);
    const counts = store.sqlite.database
      .prepare<[], { records: number; links: number; values: number }>(
        'SELECT (SELECT count(*) FROM records) records, (SELECT count(*) FROM links) links, (SELECT count(*) FROM record_values) "values"',
      )
      .get();
    expect(counts).toEqual({ records: 0, links: 0, values: 0 });
  });

  it('lets two stores on one file see each other’s writes (a second process opens the same file)', async () => {
    const a = openStore();
    const b = openStore();
    const saved = await a.put(ref(SuiteHuman({ name: 'Shared' })));
    expect((await b.get(saved)).state?.name).toBe('Shared');
  });

  it('keeps every one of 100 concurrent appends made through two connections to one file, without blocking', async () => {
    const a = openStore();
    const b = openStore();
    const book = await a.put(ref(SuiteBook({ title: 'Shared readers' })));
    await Promise.all(
      Array.from({ length: 100 }, (_, index) =>
        (index % 2 ? a : b).patch(
          ref(SuiteBook({ readers: [ref(SuiteHuman({ name: `reader ${index}` }))] }), {
            record: book.record,
          }),
        ),
      ),
    );
    expect((await b.get(book)).state?.readers).toHaveLength(100);
  });

  it('reports a file locked by another connection for longer than busyTimeoutMs as a STORE_FAULT naming the file', async () => {
    const store = new SqliteStore({ path: join(dir, 'locked.db'), busyTimeoutMs: 50 });
    open.push(store);
    const other = new Database(join(dir, 'locked.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      await expectError(
        store.put(ref(SuiteHuman({ name: 'Late' }))),
        'STORE_FAULT',
        'locked.db: another connection held the database lock',
      );
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect((await store.query({ model: SuiteHuman })).length).toBe(0);
  });

  it('takes a required path, the durability mode and every Store option (types)', () => {
    expectTypeOf<SqliteStoreOptions['path']>().toEqualTypeOf<string>();
    expectTypeOf<SqliteStoreOptions['synchronous']>().toEqualTypeOf<'full' | 'normal' | undefined>();
    expectTypeOf<SqliteStoreOptions>().toHaveProperty('allowedMethods');
    // @ts-expect-error a path is required
    const noPath: SqliteStoreOptions = { name: 'Cats' };
    // @ts-expect-error the driver is the store's own
    const withDriver: SqliteStoreOptions = { path: ':memory:', driver: null };
    expect([noPath, withDriver]).toHaveLength(2);
  });

  it('serves a get during a long write from the last commit, without waiting for the write to end', async () => {
    const store = openStore();
    const pages = Array.from({ length: 5000 }, (_, index) => ref(SuitePage({ index })));
    const book = await store.put(ref(SuiteBook({ title: 'Long', pages })));
    let deleted = false;
    const deleting = store.delete(book).then(() => {
      deleted = true;
    });
    // Let the cascade start (it pauses for the event loop every few ms), then read while it
    // runs: on the second connection, the book is seen whole, not half deleted.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(deleted).toBe(false);
    const during = await store.get(book);
    expect(deleted).toBe(false);
    expect(during.state?.pages).toHaveLength(5000);
    await deleting;
    await expectError(store.get(book), 'RECORD_NOT_FOUND');
  });

  it('reads a list of more links than one page in the order they were added', async () => {
    const store = openStore();
    const pages = Array.from({ length: 4500 }, (_, index) => ref(SuitePage({ index })));
    const book = await store.put(ref(SuiteBook({ title: 'Paged', pages })));
    const got = (await store.get(book)).state?.pages ?? [];
    const indexes = (await store.bulkGet(got)).map((page) => page.state?.index);
    expect(indexes).toEqual(Array.from({ length: 4500 }, (_, index) => index));
    // Dropping every other page keeps the rest in order (the cascade reads the list in pages too).
    await store.put(
      book.withState(SuiteBook({ title: 'Paged', pages: got.filter((_, index) => index % 2) })),
    );
    const kept = (await store.bulkGet((await store.get(book)).state?.pages ?? [])).map(
      (page) => page.state?.index,
    );
    expect(kept).toEqual(Array.from({ length: 2250 }, (_, index) => index * 2 + 1));
  });

  it('checkpoints the write-ahead log beside the event loop: after a large write the data reaches the database file while the store is open', async () => {
    const path = join(dir, 'checkpoint.db');
    const store = new SqliteStore({ path, synchronous: 'normal' });
    open.push(store);
    expect(store.sqlite.database.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
    const before = statSync(path).size;
    await store.put(
      ref(
        SuiteBook({
          title: 'x'.repeat(200),
          pages: Array.from({ length: 20_000 }, (_, index) => ref(SuitePage({ index }))),
        }),
      ),
    );
    expect(statSync(`${path}-wal`).size).toBeGreaterThan(4 * 1024 * 1024);
    // The worker copies the log into the file; wait for it (bounded).
    for (let waited = 0; statSync(path).size <= before + 1024 * 1024 && waited < 20_000; waited += 50)
      await new Promise((resolve) => setTimeout(resolve, 50));
    expect(statSync(path).size).toBeGreaterThan(before + 1024 * 1024);
  });

  it('rejects use after close with a STORE_FAULT', async () => {
    const store = openStore();
    await store.close();
    await expectError(store.query({ model: SuiteCat }), 'STORE_FAULT');
  });
});
