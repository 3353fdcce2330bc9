import { isConsteliteError, StoreFaultError, ValidationError } from '@constelite/core';
import type {
  IncomingLink,
  JsonValue,
  Link,
  RecordKey,
  StorageCapabilities,
  StorageDriver,
  StorageTransaction,
  StoredRecord,
  TransactionMode,
  WhereClause,
} from '@constelite/store';
import { STORAGE_CONTRACT_VERSION } from '@constelite/store';
import postgres from 'postgres';
import { ensureQueryIndex, runCount, runQuery } from './query-sql.js';
import {
  escapedJsonText,
  escapeText,
  hasEscapeInJson,
  parseEscapedJson,
  unescapeText,
} from './text-escape.js';

/**
 * The version of the table layout this driver writes, kept in the schema's `constelite_meta`
 * table. Version 2 indexes long strings by their digest (`constelite_index_key`), escapes the
 * characters PostgreSQL cannot hold (./text-escape.ts) and adds the write gate.
 */
export const POSTGRES_SCHEMA_VERSION = 3;

/** Options of `PostgresDriver`. */
export interface PostgresDriverOptions {
  /** A connection URL, e.g. `postgres://user:password@host:5432/database`. */
  url: string;
  /** The PostgreSQL schema that holds the store's tables; created on first use. Default: `constelite`. */
  schema?: string;
  /** The most connections the pool opens. Default: 10. */
  maxConnections?: number;
  /**
   * How long, in ms, a write transaction that keeps losing serialization conflicts or
   * deadlocks is run again before the store gives up with `STORE_FAULT`. Default: 30000.
   */
  retryBudgetMs?: number;
  /** How often a write transaction runs at most, within `retryBudgetMs`. Default: no limit but the budget. */
  maxAttempts?: number;
  /** Seconds to wait for a connection before the store reports the database unreachable. Default: 10. */
  connectTimeoutSeconds?: number;
}

/** SQLSTATEs after which the whole transaction is run again: serialization failure and deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** jsonb types copied into `record_values`, so that equality queries on them are index lookups. */
const SCALAR_TYPES = `('string', 'number', 'boolean')`;
/**
 * Strings longer than this many UTF-8 bytes are indexed by their SHA-256 digest: a btree row
 * holds at most 2,704 bytes, and (model, field, value) must fit with room to spare.
 */
export const INDEX_KEY_MAX_BYTES = 1024;
/** After this many lost attempts, a write runs alone: it takes the write gate exclusively (see `#attempt`). */
const EXCLUSIVE_AFTER = 3;

type Sql = postgres.Sql;
type TransactionSql = postgres.TransactionSql;

/** One migration step per schema version; `{schema}` is the quoted schema name. */
const MIGRATIONS: readonly ((schema: string) => string)[] = [
  (s) => `
  CREATE TABLE ${s}.records (
    uid text PRIMARY KEY,
    model text NOT NULL,
    fields jsonb NOT NULL,
    seq bigserial NOT NULL
  );
  CREATE INDEX records_model ON ${s}.records (model, seq);
  CREATE TABLE ${s}.links (
    seq bigserial PRIMARY KEY,
    source text NOT NULL REFERENCES ${s}.records (uid) ON DELETE CASCADE,
    source_model text NOT NULL,
    field text NOT NULL,
    target text NOT NULL REFERENCES ${s}.records (uid) ON DELETE CASCADE,
    target_model text NOT NULL,
    UNIQUE (source, field, target)
  );
  CREATE INDEX links_target ON ${s}.links (target);
  CREATE TABLE ${s}.record_values (
    uid text NOT NULL REFERENCES ${s}.records (uid) ON DELETE CASCADE,
    model text NOT NULL,
    field text NOT NULL,
    value jsonb NOT NULL,
    PRIMARY KEY (uid, field)
  );
  CREATE INDEX record_values_lookup ON ${s}.record_values (model, field, value);
  `,
  (s) => `
  ${indexKeyFunctionSql(s)}
  UPDATE ${s}.record_values SET value = ${s}.constelite_index_key(value)
    WHERE value IS DISTINCT FROM ${s}.constelite_index_key(value);
  CREATE TABLE ${s}.constelite_write_gate ();
  `,
  // Guids kept with their records (storage contract version 3), written in the records'
  // transactions; the link goes with its record, and one guid names at most one record.
  // Series of dynamic fields, one row per point: an append is an index insert, a window read
  // an index range.
  (s) => `
  CREATE TABLE ${s}.guids (
    uid text PRIMARY KEY REFERENCES ${s}.records (uid) ON DELETE CASCADE,
    guid text NOT NULL UNIQUE
  );
  CREATE TABLE ${s}.series (
    uid text NOT NULL REFERENCES ${s}.records (uid) ON DELETE CASCADE,
    field text NOT NULL,
    ts double precision NOT NULL,
    value jsonb NOT NULL,
    PRIMARY KEY (uid, field, ts)
  );
  `,
];

/**
 * The index key of a scalar value in `record_values.value`: the value itself, or for a
 * string longer than `INDEX_KEY_MAX_BYTES` the object `{"sha256": <hex digest of its UTF-8>}`,
 * which no scalar equals. Equality on the key is equality on the value (a digest collision
 * is not a practical concern); order is kept for numbers, booleans and short strings only, so
 * a range condition must treat an object key as "a long string, compare on records.fields".
 * Every query and write computes keys with this one function, so the two always agree.
 */
function indexKeyFunctionSql(s: string): string {
  return `
  CREATE OR REPLACE FUNCTION ${s}.constelite_index_key(value jsonb) RETURNS jsonb
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT CASE
        WHEN jsonb_typeof(value) = 'string' AND octet_length(value #>> '{}') > ${INDEX_KEY_MAX_BYTES}
          THEN jsonb_build_object('sha256', encode(sha256(convert_to(value #>> '{}', 'UTF8')), 'hex'))
        ELSE value
      END
    $$;`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SQLSTATE of a PostgreSQL error, if it is one. */
function sqlState(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** The pause before attempt `attempt + 1`: exponential backoff with full jitter, at most 250 ms. */
export function retryDelayMs(attempt: number): number {
  return Math.random() * Math.min(250, 2 * 2 ** attempt);
}

/** The table names of one schema. */
interface Tables {
  records: string;
  links: string;
  values: string;
  meta: string;
  gate: string;
  guids: string;
  series: string;
  /** The qualified name of the index key function (`constelite_index_key`). */
  indexKey: string;
}

interface RecordRow {
  uid: string;
  model: string;
  fields: string;
}

/** A record row as the driver returns it: the stored text unescaped (./text-escape.ts). */
function storedRecord(row: RecordRow): StoredRecord {
  return {
    uid: unescapeText(row.uid),
    model: unescapeText(row.model),
    fields: parseEscapedJson<Record<string, JsonValue>>(row.fields),
  };
}

const escapeAll = (texts: readonly string[]): string[] => texts.map(escapeText);

/**
 * Storage primitives on PostgreSQL through a connection pool (the `postgres` driver). Every
 * write transaction runs at `SERIALIZABLE` isolation and is run again, after a random,
 * growing pause, when PostgreSQL aborts it for a serialization conflict or a deadlock, until
 * `retryBudgetMs` has passed; so writes from many processes sharing one database behave as if
 * they ran one after the other. A write that lost `EXCLUSIVE_AFTER` times runs alone (the
 * write gate), so contention cannot starve it. Reads run at `REPEATABLE READ READ ONLY`: one
 * consistent snapshot, never aborted.
 */
export class PostgresDriver implements StorageDriver {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly capabilities: StorageCapabilities = {
    persistent: true,
    multiProcess: true,
    guids: true,
    series: true,
  };
  /** The schema holding the store's tables. */
  readonly schema: string;
  readonly #sql: Sql;
  readonly #maxAttempts: number;
  readonly #retryBudgetMs: number;
  readonly #target: string;
  readonly #t: Tables;
  #ready: Promise<void> | null = null;
  #retries = 0;
  #exclusiveRuns = 0;

  constructor(options: PostgresDriverOptions) {
    const schema = options.schema ?? 'constelite';
    if (!SCHEMA_NAME.test(schema)) {
      throw new ValidationError(
        `PostgreSQL schema name '${schema}' is not allowed: use lower-case letters, digits and _ (at most 63)`,
        { extra: { schema } },
      );
    }
    this.schema = schema;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? Number.POSITIVE_INFINITY);
    this.#retryBudgetMs = Math.max(0, options.retryBudgetMs ?? 30_000);
    this.#target = describeUrl(options.url);
    this.#sql = postgres(options.url, {
      max: options.maxConnections ?? 10,
      connect_timeout: options.connectTimeoutSeconds ?? 10,
      onnotice: () => undefined,
    });
    const q = `"${schema}"`;
    this.#t = {
      records: `${q}.records`,
      links: `${q}.links`,
      values: `${q}.record_values`,
      meta: `${q}.constelite_meta`,
      gate: `${q}.constelite_write_gate`,
      guids: `${q}.guids`,
      series: `${q}.series`,
      indexKey: `${q}.constelite_index_key`,
    };
  }

  /** How many transactions were run again after a serialization conflict or deadlock, since the driver was made. */
  get retries(): number {
    return this.#retries;
  }

  /** How many write attempts ran alone, holding the write gate exclusively, since the driver was made. */
  get exclusiveRuns(): number {
    return this.#exclusiveRuns;
  }

  /** The pool, for diagnostics (e.g. `EXPLAIN`). Do not write through it. */
  get sql(): Sql {
    return this.#sql;
  }

  /** Creates or migrates the schema; runs once, on first use. */
  ready(): Promise<void> {
    this.#ready ??= this.#migrate().catch((error: unknown) => {
      this.#ready = null;
      throw this.#fault(error, 'while preparing the schema');
    });
    return this.#ready;
  }

  async transaction<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    await this.ready();
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#attempt(mode, work, attempt > EXCLUSIVE_AFTER);
      } catch (error) {
        if (isConsteliteError(error)) throw error;
        const code = sqlState(error);
        const retryable = code !== undefined && RETRYABLE.has(code);
        const delay = retryDelayMs(attempt);
        if (retryable && attempt < this.#maxAttempts && Date.now() + delay - started < this.#retryBudgetMs) {
          this.#retries++;
          // Colliding transactions spread out, so that most go through on the next attempt.
          await sleep(delay);
          continue;
        }
        throw this.#fault(
          error,
          retryable ? `gave up after ${attempt} attempts in ${Date.now() - started} ms` : undefined,
        );
      }
    }
  }

  /**
   * One attempt of a transaction. A write first locks the write gate (an empty table):
   * `ROW SHARE` normally, which any number of writes hold together, or `EXCLUSIVE` when
   * `alone`, which waits for the running writes and holds off new ones until it ends. The gate
   * is the first lock every write takes, and `LOCK TABLE` runs before the transaction's
   * snapshot is taken, so a write that runs alone sees every commit before it and conflicts
   * with nothing: it cannot lose again. Reads never touch the gate.
   */
  async #attempt<T>(
    mode: TransactionMode,
    work: (tx: StorageTransaction) => Promise<T>,
    alone: boolean,
  ): Promise<T> {
    const options =
      mode === 'write' ? 'isolation level serializable' : 'isolation level repeatable read read only';
    return (await this.#sql.begin(options, async (sql) => {
      if (mode === 'read') return work(this.#transaction(sql));
      if (alone) this.#exclusiveRuns++;
      // Sent at once but not awaited: the work's first statement follows it on the connection
      // (pipelined), so the gate costs no round trip; PostgreSQL runs the statements in order.
      const gate = sql
        .unsafe(`LOCK TABLE ${this.#t.gate} IN ${alone ? 'EXCLUSIVE' : 'ROW SHARE'} MODE`, [], {
          prepare: true,
        })
        .execute();
      const gateError = gate.then(
        () => null,
        (error: unknown) => ({ error }),
      );
      try {
        const result = await work(this.#transaction(sql));
        const failed = await gateError;
        if (failed) throw failed.error;
        return result;
      } catch (error) {
        // When the lock failed, the statements after it failed because of it: report the cause.
        const failed = await gateError;
        throw failed ? failed.error : error;
      }
    })) as T;
  }

  /** Closes the pool's connections (waiting for running queries). */
  async close(): Promise<void> {
    await this.#sql.end({ timeout: 5 });
  }

  /** Drops the schema and every record in it. For tests and tear-down; irreversible. */
  async dropSchema(): Promise<void> {
    await this.#sql.unsafe(`DROP SCHEMA IF EXISTS "${this.schema}" CASCADE`);
    this.#ready = null;
  }

  #fault(error: unknown, context?: string): Error {
    if (isConsteliteError(error)) return error;
    const message = error instanceof Error ? error.message : String(error);
    const code = sqlState(error);
    const unreachable =
      code !== undefined &&
      /^(ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|CONNECT_TIMEOUT|CONNECTION_)/.test(code);
    const text = unreachable
      ? `Cannot reach PostgreSQL at ${this.#target}: ${message}`
      : `PostgreSQL at ${this.#target}, schema ${this.schema}${context ? `, ${context}` : ''}: ${message}`;
    return new StoreFaultError(text, {
      cause: error,
      extra: { database: this.#target, schema: this.schema, sqlstate: code ?? null },
    });
  }

  async #migrate(): Promise<void> {
    const t = this.#t;
    const q = `"${this.schema}"`;
    await this.#sql.begin(async (sql) => {
      // Several processes may open the store at once: one of them migrates, the others wait.
      await sql`SELECT pg_advisory_xact_lock(hashtext(${`constelite:${this.schema}`}))`;
      await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${q}`);
      await sql.unsafe(`CREATE TABLE IF NOT EXISTS ${t.meta} (key text PRIMARY KEY, value text NOT NULL)`);
      const [row] = await sql.unsafe<{ value: string }[]>(
        `SELECT value FROM ${t.meta} WHERE key = 'schema_version'`,
      );
      const current = row ? Number(row.value) : 0;
      if (current > POSTGRES_SCHEMA_VERSION) {
        throw new StoreFaultError(
          `PostgreSQL schema ${this.schema} at ${this.#target} has version ${current}; this @constelite/postgres-store understands up to ${POSTGRES_SCHEMA_VERSION}`,
          { extra: { schema: this.schema, schema_version: current } },
        );
      }
      for (let step = current; step < POSTGRES_SCHEMA_VERSION; step++) {
        await sql.unsafe(MIGRATIONS[step]!(q));
        if (step === 1 && current === 1) await this.#escapeVersion1Text(sql);
      }
      // Query pushdown (query-sql.ts): the typed value index, created once per schema.
      await ensureQueryIndex((text, params) => sql.unsafe(text, params as never), this.schema);
      await sql.unsafe(
        `INSERT INTO ${t.meta} (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [String(POSTGRES_SCHEMA_VERSION)],
      );
    });
  }

  /**
   * Version 1 stored strings as they were, and could hold U+0001, the escape character of
   * version 2 (NUL and lone surrogates it refused). The few records with one are written
   * again in the escaped form, with their index rows.
   */
  async #escapeVersion1Text(sql: TransactionSql): Promise<void> {
    const t = this.#t;
    const rows = await sql.unsafe<RecordRow[]>(
      `SELECT uid, model, fields::text AS fields FROM ${t.records} WHERE strpos(fields::text, '\\u0001') > 0`,
    );
    for (const row of rows) {
      if (!hasEscapeInJson(row.fields)) continue;
      const fields = JSON.parse(row.fields) as Record<string, JsonValue>;
      await sql.unsafe(`DELETE FROM ${t.values} WHERE uid = $1`, [row.uid]);
      await sql.unsafe(
        `WITH record AS (
           UPDATE ${t.records} SET fields = $2::text::jsonb WHERE uid = $1 RETURNING uid, model, fields)
         ${insertIndexRowsSql(t, 'record')}`,
        [row.uid, escapedJsonText(fields)],
      );
    }
  }

  #transaction(sql: TransactionSql): StorageTransaction {
    const t = this.#t;
    const schema = this.schema;
    // Named prepared statements: PostgreSQL parses and plans each statement once per connection.
    // Every string sent is escaped and every string read unescaped (./text-escape.ts).
    const run = <R extends object[]>(text: string, params: postgres.ParameterOrJSON<never>[]) =>
      sql.unsafe<R>(text, params, { prepare: true });

    return {
      async getModels(uids) {
        const found = new Map<string, string>();
        if (uids.length === 0) return found;
        const rows = await run<{ uid: string; model: string }[]>(
          `SELECT uid, model FROM ${t.records} WHERE uid = ANY($1::text[])`,
          [escapeAll(uids)],
        );
        for (const row of rows) found.set(unescapeText(row.uid), unescapeText(row.model));
        return found;
      },
      async readRecord(uid) {
        const [row] = await run<RecordRow[]>(
          `SELECT uid, model, fields::text AS fields FROM ${t.records} WHERE uid = $1`,
          [escapeText(uid)],
        );
        return row ? storedRecord(row) : null;
      },
      async createRecord(record: StoredRecord) {
        // One statement (one round trip) writes the record and its index rows.
        await run(
          `WITH record AS (
             INSERT INTO ${t.records} (uid, model, fields) VALUES ($1, $2, $3::text::jsonb) RETURNING uid, model, fields)
           ${insertIndexRowsSql(t, 'record')}`,
          [escapeText(record.uid), escapeText(record.model), escapedJsonText(record.fields)],
        );
      },
      async writeFields(uid, fields) {
        // One statement writes the fields and replaces their index rows: scalar values get a
        // row (keyed by `constelite_index_key`), other values drop theirs.
        const [row] = await run<{ uid: string }[]>(
          `WITH record AS (
             UPDATE ${t.records} SET fields = fields || $2::text::jsonb WHERE uid = $1 RETURNING uid, model),
           given AS (SELECT key, value FROM jsonb_each($2::text::jsonb)),
           dropped AS (
             DELETE FROM ${t.values} WHERE uid = $1
               AND field IN (SELECT key FROM given WHERE jsonb_typeof(value) NOT IN ${SCALAR_TYPES})),
           indexed AS (
             INSERT INTO ${t.values} (uid, model, field, value)
               SELECT record.uid, record.model, given.key, ${t.indexKey}(given.value) FROM record, given
               WHERE jsonb_typeof(given.value) IN ${SCALAR_TYPES}
             ON CONFLICT (uid, field) DO UPDATE SET value = EXCLUDED.value)
           SELECT uid FROM record`,
          [escapeText(uid), escapedJsonText(fields)],
        );
        if (!row)
          throw new StoreFaultError(`postgres store: no record ${uid} to write fields to`, {
            extra: { uid },
          });
      },
      async deleteRecord(uid) {
        // Outgoing links, index rows, the guid and the series go with the record (ON DELETE CASCADE).
        await run(`DELETE FROM ${t.records} WHERE uid = $1`, [escapeText(uid)]);
      },
      async readGuids(uids) {
        const found = new Map<string, string>();
        if (uids.length === 0) return found;
        const rows = await run<{ uid: string; guid: string }[]>(
          `SELECT uid, guid FROM ${t.guids} WHERE uid = ANY($1::text[])`,
          [escapeAll(uids)],
        );
        for (const row of rows) found.set(unescapeText(row.uid), unescapeText(row.guid));
        return found;
      },
      async findGuid(guid) {
        const [row] = await run<{ uid: string }[]>(`SELECT uid FROM ${t.guids} WHERE guid = $1`, [
          escapeText(guid),
        ]);
        return row ? unescapeText(row.uid) : null;
      },
      async readSeries(uid, field, window) {
        const rows = await run<{ ts: number; value: string }[]>(
          `SELECT ts, value::text AS value FROM ${t.series}
           WHERE uid = $1 AND field = $2 AND ts >= $3 AND ts <= $4 ORDER BY ts`,
          [escapeText(uid), escapeText(field), window.from ?? '-Infinity', window.to ?? 'Infinity'],
        );
        return rows.map((row) => ({
          timestamp: Number(row.ts),
          value: parseEscapedJson<JsonValue>(row.value),
        }));
      },
      async appendPoints(source, field, points) {
        if (points.length === 0) return;
        // One statement for every point; the timestamps are distinct (`Store` merged them).
        await run(
          `INSERT INTO ${t.series} (uid, field, ts, value)
             SELECT $1, $2, p.ts, p.value::jsonb FROM unnest($3::float8[], $4::text[]) AS p (ts, value)
           ON CONFLICT (uid, field, ts) DO UPDATE SET value = EXCLUDED.value`,
          [
            escapeText(source.uid),
            escapeText(field),
            points.map((point) => point.timestamp),
            points.map((point) => escapedJsonText(point.value)),
          ],
        );
      },
      async clearSeries(uid, field) {
        await run(`DELETE FROM ${t.series} WHERE uid = $1 AND field = $2`, [
          escapeText(uid),
          escapeText(field),
        ]);
      },
      async writeGuid(uid, guid) {
        // Two transactions taking one new guid: the serializable write sees the other's insert
        // as a serialization failure (it read the guid first) and runs again, finding the record.
        await run(`INSERT INTO ${t.guids} (uid, guid) VALUES ($1, $2)`, [escapeText(uid), escapeText(guid)]);
      },
      async readLinks(uid, field) {
        const rows =
          field === undefined
            ? await run<{ field: string; target: string; target_model: string }[]>(
                `SELECT field, target, target_model FROM ${t.links} WHERE source = $1 ORDER BY seq`,
                [escapeText(uid)],
              )
            : await run<{ field: string; target: string; target_model: string }[]>(
                `SELECT field, target, target_model FROM ${t.links} WHERE source = $1 AND field = $2 ORDER BY seq`,
                [escapeText(uid), escapeText(field)],
              );
        return rows.map(
          (row): Link => ({
            field: unescapeText(row.field),
            target: { uid: unescapeText(row.target), model: unescapeText(row.target_model) },
          }),
        );
      },
      async addLinks(source, field, targets) {
        if (targets.length === 0) return;
        await run(
          `INSERT INTO ${t.links} (source, source_model, field, target, target_model)
           SELECT $1, $2, $3, target.uid, target.model
           FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS target (uid, model, position)
           ORDER BY target.position
           ON CONFLICT (source, field, target) DO NOTHING`,
          [
            escapeText(source.uid),
            escapeText(source.model),
            escapeText(field),
            targets.map((x) => escapeText(x.uid)),
            targets.map((x) => escapeText(x.model)),
          ],
        );
      },
      async removeLinks(source, field, targets) {
        if (targets === undefined) {
          await run(`DELETE FROM ${t.links} WHERE source = $1 AND field = $2`, [
            escapeText(source),
            escapeText(field),
          ]);
        } else if (targets.length > 0) {
          await run(`DELETE FROM ${t.links} WHERE source = $1 AND field = $2 AND target = ANY($3::text[])`, [
            escapeText(source),
            escapeText(field),
            escapeAll(targets),
          ]);
        }
      },
      async readIncomingLinks(target, fields) {
        const rows =
          fields === undefined
            ? await run<{ field: string; source: string; source_model: string }[]>(
                `SELECT field, source, source_model FROM ${t.links} WHERE target = $1 ORDER BY seq`,
                [escapeText(target)],
              )
            : await run<{ field: string; source: string; source_model: string }[]>(
                `SELECT field, source, source_model FROM ${t.links} WHERE target = $1 AND field = ANY($2::text[]) ORDER BY seq`,
                [escapeText(target), escapeAll(fields)],
              );
        return rows.map(
          (row): IncomingLink => ({
            field: unescapeText(row.field),
            source: { uid: unescapeText(row.source), model: unescapeText(row.source_model) },
          }),
        );
      },
      async removeIncomingLinks(target) {
        await run(`DELETE FROM ${t.links} WHERE target = $1`, [escapeText(target)]);
      },
      async query(models, where?: WhereClause) {
        if (models.length === 0) return [];
        const { text, params } = querySql(t, models, where);
        return run<RecordKey[]>(text, params as postgres.ParameterOrJSON<never>[]).then((rows) =>
          rows.map((row) => ({ uid: unescapeText(row.uid), model: unescapeText(row.model) })),
        );
      },
      // Query pushdown: the whole plan as one SELECT over the value index (query-sql.ts).
      queryNative: (plan) =>
        runQuery((text, params) => run(text, params as postgres.ParameterOrJSON<never>[]), schema, plan),
      countNative: (plan) =>
        runCount((text, params) => run(text, params as postgres.ParameterOrJSON<never>[]), schema, plan),
    };
  }
}

/**
 * The tail of a statement that writes the index rows of the record returned by the CTE
 * `record` (uid, model, fields): one row per scalar field, its value the field's index key.
 */
function insertIndexRowsSql(t: Pick<Tables, 'values' | 'indexKey'>, record: string): string {
  return `INSERT INTO ${t.values} (uid, model, field, value)
    SELECT ${record}.uid, ${record}.model, field.key, ${t.indexKey}(field.value)
    FROM ${record}, jsonb_each(${record}.fields) AS field
    WHERE jsonb_typeof(field.value) IN ${SCALAR_TYPES}`;
}

/**
 * The SQL of a query. With a scalar condition, the `record_values (model, field, value)` index
 * finds the matching uids (the value compared through `constelite_index_key`, as it was
 * written); without, the `records (model, seq)` index lists the model's records. The other
 * conditions are then checked on the record's JSON (`jsonb` equality, so `1` and `1.0` match).
 * Model names, field names and values are escaped as they were written (./text-escape.ts).
 */
export function querySql(
  t: { records: string; values: string; indexKey: string },
  models: readonly string[],
  where?: WhereClause,
): { text: string; params: unknown[] } {
  const params: unknown[] = [escapeAll(models)];
  const conditions = Object.entries(where ?? {});
  const clauses = ['r.model = ANY($1::text[])'];
  const scalar = conditions.find(
    ([, value]) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean',
  );
  if (scalar) {
    params.push(escapeText(scalar[0]), escapedJsonText(scalar[1]));
    clauses.push(
      `r.uid IN (SELECT v.uid FROM ${t.values} v WHERE v.model = ANY($1::text[]) AND v.field = $2 AND v.value = ${t.indexKey}($3::text::jsonb))`,
    );
  }
  for (const [field, value] of conditions) {
    if (field === scalar?.[0]) continue;
    params.push(escapeText(field), escapedJsonText(value));
    clauses.push(`r.fields -> $${params.length - 1} = $${params.length}::text::jsonb`);
  }
  return {
    text: `SELECT r.uid, r.model FROM ${t.records} r WHERE ${clauses.join(' AND ')} ORDER BY r.seq`,
    params,
  };
}

/** `host:port/database` of a connection URL, without credentials, for error messages. */
function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
  } catch {
    throw new ValidationError(
      `PostgreSQL connection URL is not a URL (expected postgres://user@host:port/database)`,
    );
  }
}
