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

/** The version of the table layout this driver writes, kept in the schema's `constelite_meta` table. */
export const POSTGRES_SCHEMA_VERSION = 1;

/** Options of `PostgresDriver`. */
export interface PostgresDriverOptions {
  /** A connection URL, e.g. `postgres://user:password@host:5432/database`. */
  url: string;
  /** The PostgreSQL schema that holds the store's tables; created on first use. Default: `constelite`. */
  schema?: string;
  /** The most connections the pool opens. Default: 10. */
  maxConnections?: number;
  /** How often a transaction runs at most when it keeps losing serialization conflicts. Default: 30. */
  maxAttempts?: number;
  /** Seconds to wait for a connection before the store reports the database unreachable. Default: 10. */
  connectTimeoutSeconds?: number;
}

/** SQLSTATEs after which the whole transaction is run again: serialization failure and deadlock. */
const RETRYABLE = new Set(['40001', '40P01']);
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** jsonb types copied into `record_values`, so that equality queries on them are index lookups. */
const SCALAR_TYPES = `('string', 'number', 'boolean')`;

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
];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The SQLSTATE of a PostgreSQL error, if it is one. */
function sqlState(error: unknown): string | undefined {
  return error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/**
 * Storage primitives on PostgreSQL through a connection pool (the `postgres` driver). Every
 * write transaction runs at `SERIALIZABLE` isolation and is run again, after a short random
 * pause, when PostgreSQL aborts it for a serialization conflict or a deadlock; so writes from
 * many processes sharing one database behave as if they ran one after the other. Reads run at
 * `REPEATABLE READ READ ONLY`: one consistent snapshot, never aborted.
 */
export class PostgresDriver implements StorageDriver {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly capabilities: StorageCapabilities = { persistent: true, multiProcess: true };
  /** The schema holding the store's tables. */
  readonly schema: string;
  readonly #sql: Sql;
  readonly #maxAttempts: number;
  readonly #target: string;
  readonly #t: { records: string; links: string; values: string; meta: string };
  #ready: Promise<void> | null = null;
  #retries = 0;

  constructor(options: PostgresDriverOptions) {
    const schema = options.schema ?? 'constelite';
    if (!SCHEMA_NAME.test(schema)) {
      throw new ValidationError(
        `PostgreSQL schema name '${schema}' is not allowed: use lower-case letters, digits and _ (at most 63)`,
        { extra: { schema } },
      );
    }
    this.schema = schema;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 30);
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
    };
  }

  /** How many transactions were run again after a serialization conflict or deadlock, since the driver was made. */
  get retries(): number {
    return this.#retries;
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
    const options =
      mode === 'write' ? 'isolation level serializable' : 'isolation level repeatable read read only';
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#sql.begin(options, (sql) => work(this.#transaction(sql)))) as T;
      } catch (error) {
        if (isConsteliteError(error)) throw error;
        const code = sqlState(error);
        if (code !== undefined && RETRYABLE.has(code) && attempt < this.#maxAttempts) {
          this.#retries++;
          // Exponential backoff with full jitter, so that colliding transactions spread out.
          await sleep(Math.random() * Math.min(500, 4 * 2 ** attempt));
          continue;
        }
        throw this.#fault(
          error,
          code && RETRYABLE.has(code) ? `gave up after ${attempt} attempts` : undefined,
        );
      }
    }
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
      for (let step = current; step < POSTGRES_SCHEMA_VERSION; step++) await sql.unsafe(MIGRATIONS[step]!(q));
      await sql.unsafe(
        `INSERT INTO ${t.meta} (key, value) VALUES ('schema_version', $1)
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`,
        [String(POSTGRES_SCHEMA_VERSION)],
      );
    });
  }

  #transaction(sql: TransactionSql): StorageTransaction {
    const t = this.#t;
    // Named prepared statements: PostgreSQL parses and plans each statement once per connection.
    const run = <R extends object[]>(text: string, params: postgres.ParameterOrJSON<never>[]) =>
      sql.unsafe<R>(text, params, { prepare: true });
    const json = (value: Record<string, JsonValue>) => sql.json(value as postgres.JSONValue);
    // Scalar values of the written fields replace their index rows; other values drop theirs.
    const indexValues = async (uid: string, model: string, fields: Record<string, JsonValue>) => {
      await run(
        `WITH given AS (SELECT key, value FROM jsonb_each($3::jsonb)),
         dropped AS (
           DELETE FROM ${t.values} WHERE uid = $1
             AND field IN (SELECT key FROM given WHERE jsonb_typeof(value) NOT IN ${SCALAR_TYPES}))
         INSERT INTO ${t.values} (uid, model, field, value)
           SELECT $1, $2, key, value FROM given WHERE jsonb_typeof(value) IN ${SCALAR_TYPES}
         ON CONFLICT (uid, field) DO UPDATE SET value = EXCLUDED.value`,
        [uid, model, json(fields)],
      );
    };

    return {
      async getModels(uids) {
        const found = new Map<string, string>();
        if (uids.length === 0) return found;
        const rows = await run<{ uid: string; model: string }[]>(
          `SELECT uid, model FROM ${t.records} WHERE uid = ANY($1::text[])`,
          [uids as string[]],
        );
        for (const row of rows) found.set(row.uid, row.model);
        return found;
      },
      async readRecord(uid) {
        const [row] = await run<{ uid: string; model: string; fields: Record<string, JsonValue> }[]>(
          `SELECT uid, model, fields FROM ${t.records} WHERE uid = $1`,
          [uid],
        );
        return row ? { uid: row.uid, model: row.model, fields: row.fields } : null;
      },
      async createRecord(record: StoredRecord) {
        // One statement (one round trip) writes the record and its index rows.
        await run(
          `WITH record AS (
             INSERT INTO ${t.records} (uid, model, fields) VALUES ($1, $2, $3::jsonb) RETURNING uid, model, fields)
           INSERT INTO ${t.values} (uid, model, field, value)
             SELECT record.uid, record.model, field.key, field.value FROM record, jsonb_each(record.fields) AS field
             WHERE jsonb_typeof(field.value) IN ${SCALAR_TYPES}`,
          [record.uid, record.model, json(record.fields)],
        );
      },
      async writeFields(uid, fields) {
        const [row] = await run<{ model: string }[]>(
          `UPDATE ${t.records} SET fields = fields || $2::jsonb WHERE uid = $1 RETURNING model`,
          [uid, json(fields)],
        );
        if (!row)
          throw new StoreFaultError(`postgres store: no record ${uid} to write fields to`, {
            extra: { uid },
          });
        await indexValues(uid, row.model, fields);
      },
      async deleteRecord(uid) {
        // Outgoing links and index rows go with the record (ON DELETE CASCADE).
        await run(`DELETE FROM ${t.records} WHERE uid = $1`, [uid]);
      },
      async readLinks(uid, field) {
        const rows =
          field === undefined
            ? await run<{ field: string; target: string; target_model: string }[]>(
                `SELECT field, target, target_model FROM ${t.links} WHERE source = $1 ORDER BY seq`,
                [uid],
              )
            : await run<{ field: string; target: string; target_model: string }[]>(
                `SELECT field, target, target_model FROM ${t.links} WHERE source = $1 AND field = $2 ORDER BY seq`,
                [uid, field],
              );
        return rows.map(
          (row): Link => ({ field: row.field, target: { uid: row.target, model: row.target_model } }),
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
          [source.uid, source.model, field, targets.map((x) => x.uid), targets.map((x) => x.model)],
        );
      },
      async removeLinks(source, field, targets) {
        if (targets === undefined) {
          await run(`DELETE FROM ${t.links} WHERE source = $1 AND field = $2`, [source, field]);
        } else if (targets.length > 0) {
          await run(`DELETE FROM ${t.links} WHERE source = $1 AND field = $2 AND target = ANY($3::text[])`, [
            source,
            field,
            targets as string[],
          ]);
        }
      },
      async readIncomingLinks(target, fields) {
        const rows =
          fields === undefined
            ? await run<{ field: string; source: string; source_model: string }[]>(
                `SELECT field, source, source_model FROM ${t.links} WHERE target = $1 ORDER BY seq`,
                [target],
              )
            : await run<{ field: string; source: string; source_model: string }[]>(
                `SELECT field, source, source_model FROM ${t.links} WHERE target = $1 AND field = ANY($2::text[]) ORDER BY seq`,
                [target, fields as string[]],
              );
        return rows.map(
          (row): IncomingLink => ({ field: row.field, source: { uid: row.source, model: row.source_model } }),
        );
      },
      async removeIncomingLinks(target) {
        await run(`DELETE FROM ${t.links} WHERE target = $1`, [target]);
      },
      async query(models, where?: WhereClause) {
        if (models.length === 0) return [];
        const { text, params } = querySql(t, models, where);
        return run<RecordKey[]>(text, params as postgres.ParameterOrJSON<never>[]).then((rows) =>
          rows.map((row) => ({ uid: row.uid, model: row.model })),
        );
      },
    };
  }
}

/**
 * The SQL of a query. With a scalar condition, the `record_values (model, field, value)` index
 * finds the matching uids; without, the `records (model, seq)` index lists the model's records.
 * Every condition is then checked on the record's JSON (`jsonb` equality, so `1` and `1.0` match).
 */
export function querySql(
  t: { records: string; values: string },
  models: readonly string[],
  where?: WhereClause,
): { text: string; params: unknown[] } {
  const params: unknown[] = [models];
  const conditions = Object.entries(where ?? {});
  const clauses = ['r.model = ANY($1::text[])'];
  const scalar = conditions.find(
    ([, value]) => typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean',
  );
  if (scalar) {
    params.push(scalar[0], JSON.stringify(scalar[1]));
    clauses.push(
      `r.uid IN (SELECT v.uid FROM ${t.values} v WHERE v.model = ANY($1::text[]) AND v.field = $2 AND v.value = $3::text::jsonb)`,
    );
  }
  for (const [field, value] of conditions) {
    if (field === scalar?.[0]) continue;
    params.push(field, JSON.stringify(value));
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
