import { StoreFaultError } from '@constelite/core';
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
import Database from 'better-sqlite3';

/** The version of the table layout this driver writes, kept in `PRAGMA user_version`. */
export const SQLITE_SCHEMA_VERSION = 1;

/** How hard SQLite flushes a commit to disk. */
export type SqliteSynchronous = 'full' | 'normal';

/** Options of `SqliteDriver`. */
export interface SqliteDriverOptions {
  /** A file path, or `:memory:` for a database that lives as long as the driver. */
  path: string;
  /**
   * `full` (the default) syncs the write-ahead log on every commit, so an acknowledged write
   * survives a power loss; `normal` survives a crashed or killed process but may lose the last
   * commits on power loss, and is faster.
   */
  synchronous?: SqliteSynchronous;
  /**
   * How long a transaction waits for another connection or process that holds the file's lock,
   * in ms; it waits without blocking the event loop, then fails with `STORE_FAULT`. Default: 5000.
   */
  busyTimeoutMs?: number;
}

/** One migration step per schema version; index 0 brings an empty file to version 1. */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE records (
    uid TEXT PRIMARY KEY NOT NULL,
    model TEXT NOT NULL,
    fields TEXT NOT NULL
  );
  CREATE INDEX records_model ON records (model);
  CREATE TABLE links (
    seq INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_model TEXT NOT NULL,
    field TEXT NOT NULL,
    target TEXT NOT NULL,
    target_model TEXT NOT NULL,
    UNIQUE (source, field, target)
  );
  CREATE INDEX links_target ON links (target);
  CREATE TABLE record_values (
    uid TEXT NOT NULL,
    model TEXT NOT NULL,
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (uid, field)
  ) WITHOUT ROWID;
  CREATE INDEX record_values_lookup ON record_values (model, field, value);
  `,
];

type Scalar = string | number | boolean;

/** Scalars are copied into `record_values` so that equality queries are index lookups. */
function isScalar(value: JsonValue | undefined): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

interface RecordRow {
  uid: string;
  model: string;
  fields: string;
}

interface KeyRow {
  uid: string;
  model: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SQLITE_BUSY and its extended codes: another connection holds a lock the statement needs. */
function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/** SQLite binds at most 32766 parameters; long uid lists are read in chunks well below that. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let index = 0; index < items.length; index += CHUNK) out.push(items.slice(index, index + CHUNK));
  return out;
}

/**
 * Storage primitives on one SQLite database file (better-sqlite3). better-sqlite3 is
 * synchronous while `Store` awaits between primitives, so the transactions of a driver are
 * queued and run one at a time on its connection. Write transactions start with
 * `BEGIN IMMEDIATE`, which takes the file's write lock and so also serialises them against
 * other connections and processes; a transaction that finds the file locked is run again after
 * an asynchronous pause, until `busyTimeoutMs` has passed.
 */
export class SqliteDriver implements StorageDriver {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly capabilities: StorageCapabilities;
  /** The file path (or `:memory:`). */
  readonly path: string;
  readonly #db: Database.Database;
  readonly #statements: ReturnType<typeof prepare>;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  readonly #busyTimeoutMs: number;

  constructor(options: SqliteDriverOptions) {
    this.path = options.path;
    this.#busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
    this.capabilities = {
      persistent: options.path !== ':memory:',
      multiProcess: options.path !== ':memory:',
    };
    this.#db = new Database(options.path);
    try {
      // Opening may wait for another process's lock synchronously; transactions wait asynchronously.
      this.#db.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
      if (options.path !== ':memory:') this.#db.pragma('journal_mode = WAL');
      this.#db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      migrate(this.#db);
      this.#statements = prepare(this.#db);
      this.#db.pragma('busy_timeout = 0');
    } catch (error) {
      this.#db.close();
      throw error;
    }
  }

  /** The schema version of the open file. */
  get schemaVersion(): number {
    return this.#db.pragma('user_version', { simple: true }) as number;
  }

  /** The underlying better-sqlite3 connection, for diagnostics (e.g. `EXPLAIN QUERY PLAN`). Do not write through it. */
  get database(): Database.Database {
    return this.#db;
  }

  transaction<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const deadline = Date.now() + this.#busyTimeoutMs;
      for (let attempt = 1; ; attempt++) {
        try {
          return await this.#attempt(mode, work);
        } catch (error) {
          if (!isBusy(error)) throw error;
          if (Date.now() >= deadline) {
            throw new StoreFaultError(
              `sqlite store ${this.path}: another connection held the database lock for more than ${this.#busyTimeoutMs} ms`,
              { cause: error, extra: { path: this.path } },
            );
          }
          // Wait without blocking the event loop (SQLite's own busy timeout would), then run
          // the whole transaction again, as the contract allows.
          await sleep(Math.random() * Math.min(100, 2 ** attempt));
        }
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #attempt<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    if (this.#closed) {
      throw new StoreFaultError(`sqlite store ${this.path}: the database is closed`, {
        extra: { path: this.path },
      });
    }
    this.#db.exec(mode === 'write' ? 'BEGIN IMMEDIATE' : 'BEGIN');
    let active = true;
    const tx = this.#transaction(mode, () => active);
    try {
      const result = await work(tx);
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
      throw error;
    } finally {
      active = false;
    }
  }

  /** Waits for queued transactions, then closes the database file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#queue;
    this.#closed = true;
    this.#db.close();
  }

  #transaction(mode: TransactionMode, isActive: () => boolean): StorageTransaction {
    const s = this.#statements;
    const db = this.#db;
    const check = (write: boolean) => {
      if (!isActive())
        throw new StoreFaultError(`sqlite store ${this.path}: the transaction has ended`, {
          extra: { path: this.path },
        });
      if (write && mode !== 'write')
        throw new StoreFaultError(`sqlite store ${this.path}: write in a read transaction`, {
          extra: { path: this.path },
        });
    };
    const indexValues = (uid: string, model: string, fields: Record<string, JsonValue>, fresh: boolean) => {
      for (const [field, value] of Object.entries(fields)) {
        if (!fresh) s.deleteValue.run(uid, field);
        if (isScalar(value)) s.insertValue.run(uid, model, field, JSON.stringify(value));
      }
    };

    return {
      async getModels(uids) {
        check(false);
        const found = new Map<string, string>();
        if (uids.length === 1) {
          const row = s.getModel.get(uids[0]!);
          if (row) found.set(row.uid, row.model);
          return found;
        }
        for (const chunk of chunks(uids)) {
          const rows = db
            .prepare<string[], KeyRow>(
              `SELECT uid, model FROM records WHERE uid IN (${placeholders(chunk.length)})`,
            )
            .all(...chunk);
          for (const row of rows) found.set(row.uid, row.model);
        }
        return found;
      },
      async readRecord(uid) {
        check(false);
        const row = s.readRecord.get(uid);
        return row
          ? { uid: row.uid, model: row.model, fields: JSON.parse(row.fields) as Record<string, JsonValue> }
          : null;
      },
      async createRecord(record: StoredRecord) {
        check(true);
        s.insertRecord.run(record.uid, record.model, JSON.stringify(record.fields));
        indexValues(record.uid, record.model, record.fields, true);
      },
      async writeFields(uid, fields) {
        check(true);
        const row = s.readRecord.get(uid);
        if (!row)
          throw new StoreFaultError(`sqlite store: no record ${uid} to write fields to`, { extra: { uid } });
        const merged = { ...(JSON.parse(row.fields) as Record<string, JsonValue>), ...fields };
        s.updateFields.run(JSON.stringify(merged), uid);
        indexValues(uid, row.model, fields, false);
      },
      async deleteRecord(uid) {
        check(true);
        s.deleteOutgoing.run(uid);
        s.deleteValues.run(uid);
        s.deleteRecord.run(uid);
      },
      async readLinks(uid, field) {
        check(false);
        const rows = field === undefined ? s.readLinks.all(uid) : s.readFieldLinks.all(uid, field);
        return rows.map(
          (row): Link => ({ field: row.field, target: { uid: row.target, model: row.target_model } }),
        );
      },
      async addLinks(source, field, targets) {
        check(true);
        for (const target of targets)
          s.insertLink.run(source.uid, source.model, field, target.uid, target.model);
      },
      async removeLinks(source, field, targets) {
        check(true);
        if (!targets) {
          s.deleteFieldLinks.run(source, field);
          return;
        }
        for (const target of targets) s.deleteLink.run(source, field, target);
      },
      async readIncomingLinks(target, fields) {
        check(false);
        const rows = s.readIncoming.all(target);
        return rows
          .filter((row) => !fields || fields.includes(row.field))
          .map(
            (row): IncomingLink => ({
              field: row.field,
              source: { uid: row.source, model: row.source_model },
            }),
          );
      },
      async removeIncomingLinks(target) {
        check(true);
        s.deleteIncoming.run(target);
      },
      async query(models, where?: WhereClause) {
        check(false);
        if (models.length === 0) return [];
        const conditions = Object.entries(where ?? {});
        const indexed = conditions.filter((entry): entry is [string, Scalar] => isScalar(entry[1]));
        const rest = conditions.filter(([, value]) => !isScalar(value));
        const { sql, params } = querySql(models, indexed, rest.length > 0);
        const rows = db.prepare<unknown[], KeyRow & { fields?: string }>(sql).all(...params);
        const out: RecordKey[] = [];
        for (const row of rows) {
          if (rest.length > 0) {
            const fields = JSON.parse(row.fields ?? '{}') as Record<string, JsonValue>;
            if (!rest.every(([field, value]) => JSON.stringify(fields[field]) === JSON.stringify(value)))
              continue;
          }
          out.push({ uid: row.uid, model: row.model });
        }
        return out;
      },
    };
  }
}

/**
 * The SQL of a query. Scalar equality conditions are joins on `record_values`, whose
 * (model, field, value) index finds the matching records without reading the others; with no
 * condition the `records (model)` index lists the model's records. Other values (lists,
 * objects) are compared on the fetched JSON.
 */
export function querySql(
  models: readonly string[],
  indexed: readonly [string, Scalar][],
  withFields: boolean,
): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const columns = withFields ? 'r.uid, r.model, r.fields' : 'r.uid, r.model';
  if (indexed.length === 0) {
    params.push(...models);
    return {
      sql: `SELECT ${columns} FROM records r WHERE r.model IN (${placeholders(models.length)}) ORDER BY r.rowid`,
      params,
    };
  }
  const [first, ...others] = indexed;
  const joins = others.map(([field, value], index) => {
    params.push(field, JSON.stringify(value));
    const v = `v${index + 1}`;
    return `JOIN record_values ${v} ON ${v}.uid = v0.uid AND ${v}.field = ? AND ${v}.value = ?`;
  });
  params.push(...models, first![0], JSON.stringify(first![1]));
  return {
    sql: `SELECT ${columns} FROM record_values v0 ${joins.join(' ')} JOIN records r ON r.uid = v0.uid
      WHERE v0.model IN (${placeholders(models.length)}) AND v0.field = ? AND v0.value = ? ORDER BY r.rowid`,
    params,
  };
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SQLITE_SCHEMA_VERSION) {
    throw new StoreFaultError(
      `sqlite store ${db.name}: the file has schema version ${current}; this @constelite/sqlite-store understands up to ${SQLITE_SCHEMA_VERSION}`,
      { extra: { path: db.name, schema_version: current } },
    );
  }
  if (current === SQLITE_SCHEMA_VERSION) return;
  db.exec('BEGIN IMMEDIATE');
  try {
    // Another process may have migrated the file while this one waited for the lock.
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let step = version; step < SQLITE_SCHEMA_VERSION; step++) db.exec(MIGRATIONS[step]!);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION}`);
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  }
}

function prepare(db: Database.Database) {
  return {
    getModel: db.prepare<[string], KeyRow>('SELECT uid, model FROM records WHERE uid = ?'),
    readRecord: db.prepare<[string], RecordRow>('SELECT uid, model, fields FROM records WHERE uid = ?'),
    insertRecord: db.prepare<[string, string, string]>(
      'INSERT INTO records (uid, model, fields) VALUES (?, ?, ?)',
    ),
    updateFields: db.prepare<[string, string]>('UPDATE records SET fields = ? WHERE uid = ?'),
    deleteRecord: db.prepare<[string]>('DELETE FROM records WHERE uid = ?'),
    insertValue: db.prepare<[string, string, string, string]>(
      'INSERT INTO record_values (uid, model, field, value) VALUES (?, ?, ?, ?)',
    ),
    deleteValue: db.prepare<[string, string]>('DELETE FROM record_values WHERE uid = ? AND field = ?'),
    deleteValues: db.prepare<[string]>('DELETE FROM record_values WHERE uid = ?'),
    readLinks: db.prepare<[string], { field: string; target: string; target_model: string }>(
      'SELECT field, target, target_model FROM links WHERE source = ? ORDER BY seq',
    ),
    readFieldLinks: db.prepare<[string, string], { field: string; target: string; target_model: string }>(
      'SELECT field, target, target_model FROM links WHERE source = ? AND field = ? ORDER BY seq',
    ),
    insertLink: db.prepare<[string, string, string, string, string]>(
      'INSERT INTO links (source, source_model, field, target, target_model) VALUES (?, ?, ?, ?, ?) ON CONFLICT (source, field, target) DO NOTHING',
    ),
    deleteFieldLinks: db.prepare<[string, string]>('DELETE FROM links WHERE source = ? AND field = ?'),
    deleteLink: db.prepare<[string, string, string]>(
      'DELETE FROM links WHERE source = ? AND field = ? AND target = ?',
    ),
    deleteOutgoing: db.prepare<[string]>('DELETE FROM links WHERE source = ?'),
    readIncoming: db.prepare<[string], { field: string; source: string; source_model: string }>(
      'SELECT field, source, source_model FROM links WHERE target = ? ORDER BY seq',
    ),
    deleteIncoming: db.prepare<[string]>('DELETE FROM links WHERE target = ?'),
  };
}
