import { isConsteliteError, ref } from '@constelite/core';
import { expectError, SuiteBook, SuiteCat, SuiteHuman, SuitePage } from '@constelite/store-test-suite';
import postgres from 'postgres';
import { afterAll, afterEach, describe, expect, expectTypeOf, inject, it } from 'vitest';
import { destroyStore, freshStore } from '../test/helpers.js';
import { querySql } from './driver.js';
import { POSTGRES_SCHEMA_VERSION, PostgresStore, type PostgresStoreOptions } from './index.js';

const url = inject('pgUrl');
const admin = postgres(url, { max: 1, onnotice: () => undefined });
const open: PostgresStore[] = [];

function openStore(options: Partial<ConstructorParameters<typeof PostgresStore>[0]> = {}): PostgresStore {
  const store = freshStore(url, options);
  open.push(store);
  return store;
}

afterEach(async () => {
  for (const store of open.splice(0)) await destroyStore(store);
});
afterAll(() => admin.end());

describe('PostgresStore', () => {
  it('creates its schema on first use and records the schema version', async () => {
    const store = openStore();
    await store.put(ref(SuiteHuman({ name: 'Ann' })));
    const [row] = await admin.unsafe<{ value: string }[]>(
      `SELECT value FROM "${store.postgres.schema}".constelite_meta WHERE key = 'schema_version'`,
    );
    expect(Number(row?.value)).toBe(POSTGRES_SCHEMA_VERSION);
    expect(store.postgres.capabilities).toEqual({
      persistent: true,
      multiProcess: true,
      guids: true,
      series: true,
    });
  });

  it('refuses a schema written by a newer version with a STORE_FAULT naming the schema', async () => {
    const store = openStore();
    await store.connect();
    await admin.unsafe(
      `UPDATE "${store.postgres.schema}".constelite_meta SET value = '99' WHERE key = 'schema_version'`,
    );
    const later = new PostgresStore({ url, schema: store.postgres.schema });
    try {
      await expectError(later.connect(), 'STORE_FAULT', store.postgres.schema);
    } finally {
      await later.close();
    }
  });

  it('reports an unreachable database as a STORE_FAULT naming the server', async () => {
    const store = new PostgresStore({ url: 'postgres://nobody@127.0.0.1:1/none', connectTimeoutSeconds: 2 });
    try {
      await expectError(
        store.put(ref(SuiteHuman({ name: 'x' }))),
        'STORE_FAULT',
        'Cannot reach PostgreSQL at 127.0.0.1:1/none',
      );
    } finally {
      await store.close();
    }
  });

  it('takes a required connection URL and every Store option (types)', () => {
    expectTypeOf<PostgresStoreOptions['url']>().toEqualTypeOf<string>();
    expectTypeOf<PostgresStoreOptions>().toHaveProperty('allowedMethods');
    // @ts-expect-error a connection URL is required
    const noUrl: PostgresStoreOptions = { schema: 'cats' };
    // @ts-expect-error the driver is the store's own
    const withDriver: PostgresStoreOptions = { url, driver: null };
    expect([noUrl, withDriver]).toHaveLength(2);
  });

  it('rejects a schema name that is not a plain identifier', () => {
    let error: unknown;
    try {
      new PostgresStore({ url, schema: 'bad"; drop table x; --' });
    } catch (caught) {
      error = caught;
    }
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
  });

  it('answers model and property queries from an index, not a scan of every record (EXPLAIN)', async () => {
    const store = openStore();
    await store.put(ref(SuiteCat({ name: 'Tom', lives: 9 })));
    const schema = `"${store.postgres.schema}"`;
    const tables = {
      records: `${schema}.records`,
      values: `${schema}.record_values`,
      indexKey: `${schema}.constelite_index_key`,
    };
    const plan = async ({ text, params }: { text: string; params: unknown[] }) => {
      // Forbid sequential scans so the plan shows whether an index can answer the query at all.
      const rows = await admin.begin(async (sql) => {
        await sql`SET LOCAL enable_seqscan = off`;
        return sql.unsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${text}`, params as string[]);
      });
      return rows.map((row) => row['QUERY PLAN']).join('\n');
    };
    // The models of a query of a model with one sub-model.
    const byProperty = await plan(querySql(tables, ['SuiteCat', 'SuiteKitten'], { lives: 9, name: 'Tom' }));
    expect(byProperty).toMatch(/Index (Only )?Scan using record_values_lookup/);
    expect(byProperty).not.toMatch(/Seq Scan/);
    const byModel = await plan(querySql(tables, ['SuiteCat', 'SuiteKitten']));
    expect(byModel).toMatch(/Index Scan using records_model|Bitmap Index Scan on records_model/);
    expect(byModel).not.toMatch(/Seq Scan/);
  });

  it('migrates a version-1 schema: long strings are indexed by digest, strings holding U+0001 are escaped, both read back and are found', async () => {
    const store = openStore();
    const long = Array.from({ length: 800 }, (_, index) =>
      String.fromCharCode(0x4e00 + ((index * 7919) % 20000)),
    ).join('');
    const odd = 'a\u0001b\u0001';
    const longCat = await store.put(ref(SuiteCat({ name: long })));
    const oddCat = await store.put(ref(SuiteCat({ name: 'placeholder', tags: ['x'] })));
    // Turn the schema back into version 1, which stored every string as it was.
    const s = `"${store.postgres.schema}"`;
    await admin.unsafe(
      `UPDATE ${s}.records SET fields = jsonb_build_object('name', $1::text, 'tags', jsonb_build_array($1::text)) WHERE uid = $2`,
      [odd, oddCat.record!.uid],
    );
    await admin.unsafe(
      `UPDATE ${s}.record_values SET value = to_jsonb($1::text) WHERE uid = $2 AND field = 'name'`,
      [odd, oddCat.record!.uid],
    );
    await admin.unsafe(
      `UPDATE ${s}.record_values SET value = to_jsonb($1::text) WHERE uid = $2 AND field = 'name'`,
      [long, longCat.record!.uid],
    );
    await admin.unsafe(`DROP TABLE ${s}.constelite_write_gate`);
    await admin.unsafe(`DROP TABLE ${s}.guids; DROP TABLE ${s}.series`);
    await admin.unsafe(`UPDATE ${s}.constelite_meta SET value = '1' WHERE key = 'schema_version'`);

    const reopened = new PostgresStore({ url, schema: store.postgres.schema, uid: store.uid, guids: true });
    try {
      // Migrated through version 3: records written before guids take one when a ref brings it.
      const guid = crypto.randomUUID();
      await reopened.patch(ref(SuiteCat({ lives: 1 }), { record: longCat.record, guid }));
      expect((await reopened.get(ref(SuiteCat({}), { guid }))).record?.uid).toBe(longCat.record?.uid);
      expect((await reopened.get(oddCat)).state).toMatchObject({ name: odd, tags: [odd] });
      expect((await reopened.get(longCat)).state?.name === long).toBe(true);
      expect(
        (await reopened.query({ model: SuiteCat, where: { name: odd } })).map((cat) => cat.record?.uid),
      ).toEqual([oddCat.record?.uid]);
      expect(
        (await reopened.query({ model: SuiteCat, where: { name: long } })).map((cat) => cat.record?.uid),
      ).toEqual([longCat.record?.uid]);
      const [key] = await admin.unsafe<{ value: unknown }[]>(
        `SELECT value FROM ${s}.record_values WHERE uid = $1 AND field = 'name'`,
        [longCat.record!.uid],
      );
      expect(key?.value).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      const [version] = await admin.unsafe<{ value: string }[]>(
        `SELECT value FROM ${s}.constelite_meta WHERE key = 'schema_version'`,
      );
      expect(Number(version?.value)).toBe(POSTGRES_SCHEMA_VERSION);
    } finally {
      await reopened.close();
    }
  });

  it('deleting an owner with its composition members leaves no row behind in records, links or record_values', async () => {
    const store = openStore();
    const book = await store.put(
      ref(SuiteBook({ title: 'B', pages: [ref(SuitePage({ index: 1 })), ref(SuitePage({ index: 2 }))] })),
    );
    expect(await store.query({ model: SuitePage })).toHaveLength(2);
    await store.delete(book);
    expect(await store.query({ model: SuitePage })).toEqual([]);
    const s = `"${store.postgres.schema}"`;
    const [counts] = await admin.unsafe<{ records: string; links: string; values: string }[]>(
      `SELECT (SELECT count(*) FROM ${s}.records) records, (SELECT count(*) FROM ${s}.links) links, (SELECT count(*) FROM ${s}.record_values) "values"`,
    );
    expect(counts).toEqual({ records: '0', links: '0', values: '0' });
  });
});
