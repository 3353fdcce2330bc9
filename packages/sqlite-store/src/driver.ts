import { performance } from 'node:perf_hooks';
import { StoreFaultError } from '@constelite/core';
import type {
  CountPlan,
  IncomingLink,
  JsonValue,
  Link,
  QueryPlan,
  RecordKey,
  SeriesWindow,
  StorageCapabilities,
  StorageDriver,
  StorageTransaction,
  StoredPoint,
  StoredRecord,
  TransactionMode,
  WhereClause,
} from '@constelite/store';
import { STORAGE_CONTRACT_VERSION } from '@constelite/store';
import Database from 'better-sqlite3';
import { Checkpointer } from './checkpointer.js';
import { SqliteQueryIndex } from './query-sql.js';

/**
 * The version of the table layout this driver writes, kept in `PRAGMA user_version`.
 * Version 2 adds the `links (source, field, seq)` index: a list is read in order, in pages.
 */
export const SQLITE_SCHEMA_VERSION = 3;

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
  /**
   * Pages each connection keeps in memory, in MiB (SQLite's own default is 2). Only what is
   * read is cached. Default: 64.
   */
  cacheSizeMiB?: number;
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
  `
  CREATE INDEX IF NOT EXISTS links_source_order ON links (source, field, seq);
  `,
  // Guids kept with their records (storage contract version 3): written in the records'
  // transactions; the unique index makes one guid name at most one record of the store.
  // Series of dynamic fields, one row per point, keyed so that an append is an index insert
  // and a window read an index range.
  `
  CREATE TABLE guids (
    uid TEXT PRIMARY KEY NOT NULL,
    guid TEXT NOT NULL UNIQUE
  ) WITHOUT ROWID;
  CREATE TABLE series (
    uid TEXT NOT NULL,
    field TEXT NOT NULL,
    timestamp REAL NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (uid, field, timestamp)
  ) WITHOUT ROWID;
  `,
];

type Scalar = string | number | boolean;

/** Scalars are copied into `record_values` so that equality queries are index lookups. */
function isScalar(value: JsonValue | undefined): value is Scalar {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/**
 * How long a transaction runs before it lets the event loop run (timers, network, other
 * transactions). better-sqlite3 blocks while a statement runs, and `Store` awaits between
 * primitives without leaving the microtask queue, so a long write (a cascade of 100,000
 * deletes) would otherwise hold the whole process for seconds (docs/store-authors.md,
 * "Long transactions").
 */
const SLICE_MS = 10;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Pauses whenever its transaction has run for `SLICE_MS` since the last pause. The pause lets
 * the event loop run, so other requests are served during a long transaction (reads of a file
 * database on the read connection even before it ends).
 */
class Slicer {
  #since = performance.now();

  /** True when the slice is used up: the caller should `breathe` before it goes on. */
  get due(): boolean {
    return performance.now() - this.#since > SLICE_MS;
  }

  /** Pauses if the slice is used up. Cheap when it is not: call it often. */
  async breathe(): Promise<void> {
    if (!this.due) return;
    await nextTurn();
    this.#since = performance.now();
  }
}

/** Rows a loop inside one primitive handles between two `breathe` calls. */
const ROWS_PER_BREATH = 256;

/** One better-sqlite3 connection and what runs on it; its transactions run one at a time. */
interface Connection {
  readonly db: Database.Database;
  readonly statements: ReturnType<typeof prepare>;
  readonly queryIndex: SqliteQueryIndex;
  /** The last transaction queued on the connection; the next one waits for it. */
  tail: Promise<unknown>;
  /** Transactions queued or running on the connection; with none, the next one starts at once. */
  pending: number;
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

interface LinkRow {
  field: string;
  target: string;
  target_model: string;
}

/** Links read per statement when a list is read in pages. */
const LINK_PAGE = 2000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ignore = () => undefined;

/** SQLITE_BUSY and its extended codes: another connection holds a lock the statement needs. */
function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

const placeholders = (count: number): string => Array.from({ length: count }, () => '?').join(', ');

/** SQLite binds at most 32766 parameters; long uid lists are read in chunks well below that. */
const CHUNK = 500;

interface PointRow {
  timestamp: number;
  value: string;
}

interface GuidRow {
  uid: string;
  guid: string;
}

/**
 * The rows of `select` (a statement without its WHERE) whose `uid` is among `uids`, read in
 * chunks of bound parameters, letting the event loop run between chunks.
 */
async function rowsOf<R>(
  db: Database.Database,
  slicer: Slicer,
  select: string,
  uids: readonly string[],
): Promise<R[]> {
  const rows: R[] = [];
  for (const chunk of chunks(uids)) {
    await slicer.breathe();
    rows.push(
      ...db.prepare<string[], R>(`${select} WHERE uid IN (${placeholders(chunk.length)})`).all(...chunk),
    );
  }
  return rows;
}

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
  /** Query pushdown (query-sql.ts): the typed value index, written with every record. */
  readonly #queryIndex: SqliteQueryIndex;
  /** The main connection: every write, and the reads of a `:memory:` database. */
  readonly #writer: Connection;
  /**
   * A second connection for read transactions of a file database: in WAL mode it reads the
   * last committed data while the main connection writes, so a get does not wait for a long
   * write to end. Absent for `:memory:` (a memory database is private to its connection).
   */
  readonly #reader: Connection | null = null;
  /** Checkpoints the write-ahead log off the event loop (./checkpointer.ts); file databases only. */
  readonly #checkpointer: Checkpointer | null = null;
  #closed = false;
  readonly #busyTimeoutMs: number;
  readonly #cacheSizeMiB: number;

  constructor(options: SqliteDriverOptions) {
    this.path = options.path;
    this.#busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
    this.capabilities = {
      persistent: options.path !== ':memory:',
      multiProcess: options.path !== ':memory:',
      guids: true,
      series: true,
    };
    this.#db = new Database(options.path);
    try {
      // Opening may wait for another process's lock synchronously; transactions wait asynchronously.
      this.#db.pragma(`busy_timeout = ${this.#busyTimeoutMs}`);
      if (options.path !== ':memory:') this.#db.pragma('journal_mode = WAL');
      this.#db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      this.#cacheSizeMiB = Math.max(1, Math.trunc(options.cacheSizeMiB ?? 64));
      tuneReads(this.#db, this.#cacheSizeMiB);
      migrate(this.#db);
      this.#statements = prepare(this.#db);
      this.#queryIndex = new SqliteQueryIndex(this.#db);
      this.#db.pragma('busy_timeout = 0');
      this.#writer = {
        db: this.#db,
        statements: this.#statements,
        queryIndex: this.#queryIndex,
        tail: Promise.resolve(),
        pending: 0,
      };
      if (options.path !== ':memory:') {
        this.#reader = openReader(options.path, this.#cacheSizeMiB);
        const db = this.#db;
        db.pragma('wal_autocheckpoint = 0');
        this.#checkpointer = new Checkpointer(options.path, () => {
          if (db.open) db.pragma('wal_autocheckpoint = 1000');
        });
      }
    } catch (error) {
      void this.#checkpointer?.close();
      this.#reader?.db.close();
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
    const connection = mode === 'read' && this.#reader ? this.#reader : this.#writer;
    // With nothing queued on the connection the transaction starts at once; otherwise after
    // the last one queued, whether that one succeeds or fails.
    const result =
      connection.pending++ === 0
        ? this.#run(connection, mode, work)
        : connection.tail.then(
            () => this.#run(connection, mode, work),
            () => this.#run(connection, mode, work),
          );
    connection.tail = result;
    return result;
  }

  /** Runs `work` in a transaction on `connection`, again after a busy file lock, until the deadline. */
  async #run<T>(
    connection: Connection,
    mode: TransactionMode,
    work: (tx: StorageTransaction) => Promise<T>,
  ): Promise<T> {
    try {
      const { db, statements } = connection;
      const deadline = Date.now() + this.#busyTimeoutMs;
      for (let attempt = 1; ; attempt++) {
        if (this.#closed) {
          throw new StoreFaultError(`sqlite store ${this.path}: the database is closed`, {
            extra: { path: this.path },
          });
        }
        const tx = new SqliteTransaction(this.path, connection, mode);
        let result: T;
        try {
          // Prepared once per connection: parsing BEGIN and COMMIT on every call cost a third of a get.
          (mode === 'write' ? statements.beginWrite : statements.beginRead).run();
          result = await work(tx);
          statements.commit.run();
        } catch (error) {
          tx.end();
          if (db.inTransaction) statements.rollback.run();
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
          continue;
        }
        tx.end();
        if (mode === 'write') this.#checkpointer?.poke();
        return result;
      }
    } finally {
      connection.pending--;
    }
  }

  /** Waits for queued transactions, then closes the database file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    const settled = (connection: Connection | null) => connection?.tail.then(ignore, ignore);
    await Promise.all([settled(this.#writer), settled(this.#reader)]);
    this.#closed = true;
    await this.#checkpointer?.close();
    this.#reader?.db.close();
    this.#db.close();
  }
}

/**
 * The primitives of one transaction on one connection: one small object, its primitives on
 * the prototype (the closures a transaction used to make, about forty, cost more than a get's
 * statements). Before each primitive it lets the event loop run if its slice is used up, and
 * it refuses to run once its transaction has ended (a reference kept past the end) or to write
 * in a read transaction, with a `STORE_FAULT`.
 */
class SqliteTransaction implements StorageTransaction {
  readonly #path: string;
  readonly #mode: TransactionMode;
  readonly #db: Database.Database;
  readonly #s: ReturnType<typeof prepare>;
  readonly #queryIndex: SqliteQueryIndex;
  readonly #slicer = new Slicer();
  #active = true;

  constructor(path: string, connection: Connection, mode: TransactionMode) {
    this.#path = path;
    this.#mode = mode;
    this.#db = connection.db;
    this.#s = connection.statements;
    this.#queryIndex = connection.queryIndex;
  }

  /** Ends the transaction: every later call of a primitive fails. */
  end(): void {
    this.#active = false;
  }

  /**
   * Before a primitive: a pause when the slice is used up (a promise then, nothing otherwise),
   * then the checks.
   */
  #enter(write: boolean): Promise<void> | undefined {
    if (this.#slicer.due) return this.#slicer.breathe().then(() => this.#check(write));
    this.#check(write);
    return undefined;
  }

  #check(write: boolean): void {
    if (!this.#active)
      throw new StoreFaultError(`sqlite store ${this.#path}: the transaction has ended`, {
        extra: { path: this.#path },
      });
    if (write && this.#mode !== 'write')
      throw new StoreFaultError(`sqlite store ${this.#path}: write in a read transaction`, {
        extra: { path: this.#path },
      });
  }

  #indexValues(uid: string, model: string, fields: Record<string, JsonValue>, fresh: boolean): void {
    const s = this.#s;
    this.#queryIndex.write(uid, model, fields, fresh);
    for (const [field, value] of Object.entries(fields)) {
      if (!fresh) s.deleteValue.run(uid, field);
      if (isScalar(value)) s.insertValue.run(uid, model, field, JSON.stringify(value));
    }
  }

  /** The rows of `uids`: one uid by its prepared statement, more in chunks of `select … WHERE uid IN`. */
  async #rowsByUid<R>(
    uids: readonly string[],
    single: { get(uid: string): R | undefined },
    select: string,
  ): Promise<R[]> {
    const pause = this.#enter(false);
    if (pause) await pause;
    if (uids.length === 1) {
      const one = single.get(uids[0]!);
      return one ? [one] : [];
    }
    return rowsOf<R>(this.#db, this.#slicer, select, uids);
  }

  async getModels(uids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.#rowsByUid(uids, this.#s.getModel, 'SELECT uid, model FROM records');
    return new Map(rows.map((row) => [row.uid, row.model]));
  }

  async readRecord(uid: string): Promise<StoredRecord | null> {
    const pause = this.#enter(false);
    if (pause) await pause;
    const row = this.#s.readRecord.get(uid);
    return row
      ? { uid: row.uid, model: row.model, fields: JSON.parse(row.fields) as Record<string, JsonValue> }
      : null;
  }

  async createRecord(record: StoredRecord): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    this.#s.insertRecord.run(record.uid, record.model, JSON.stringify(record.fields));
    this.#indexValues(record.uid, record.model, record.fields, true);
  }

  async writeFields(uid: string, fields: Record<string, JsonValue>): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    const row = this.#s.readRecord.get(uid);
    if (!row)
      throw new StoreFaultError(`sqlite store: no record ${uid} to write fields to`, { extra: { uid } });
    const merged = { ...(JSON.parse(row.fields) as Record<string, JsonValue>), ...fields };
    this.#s.updateFields.run(JSON.stringify(merged), uid);
    this.#indexValues(uid, row.model, fields, false);
  }

  async deleteRecord(uid: string): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    const s = this.#s;
    s.deleteOutgoing.run(uid);
    s.deleteValues.run(uid);
    this.#queryIndex.remove(uid);
    s.deleteGuid.run(uid);
    s.deleteSeries.run(uid);
    s.deleteRecord.run(uid);
  }

  async readSeries(uid: string, field: string, window: SeriesWindow): Promise<StoredPoint[]> {
    const pause = this.#enter(false);
    if (pause) await pause;
    const rows =
      window.from === undefined && window.to === undefined
        ? this.#s.readSeries.all(uid, field)
        : this.#s.readSeriesWindow.all(
            uid,
            field,
            window.from ?? -Number.MAX_VALUE,
            window.to ?? Number.MAX_VALUE,
          );
    return rows.map((row) => ({ timestamp: row.timestamp, value: JSON.parse(row.value) as JsonValue }));
  }

  async appendPoints(source: RecordKey, field: string, points: readonly StoredPoint[]): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    for (const point of points) {
      await this.#slicer.breathe();
      this.#s.upsertPoint.run(source.uid, field, point.timestamp, JSON.stringify(point.value));
    }
  }

  async clearSeries(uid: string, field: string): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    this.#s.clearSeries.run(uid, field);
  }

  async readGuids(uids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.#rowsByUid(uids, this.#s.readGuid, 'SELECT uid, guid FROM guids');
    return new Map(rows.map((row) => [row.uid, row.guid]));
  }

  async findGuid(guid: string): Promise<string | null> {
    const pause = this.#enter(false);
    if (pause) await pause;
    return this.#s.findGuid.get(guid)?.uid ?? null;
  }

  async writeGuid(uid: string, guid: string): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    this.#s.insertGuid.run(uid, guid);
  }

  async readLinks(uid: string, field?: string): Promise<Link[]> {
    const pause = this.#enter(false);
    if (pause) await pause;
    const s = this.#s;
    if (field === undefined) return s.readLinks.all(uid).map(toLink);
    // A field's list is read in pages along the (source, field, seq) index, so that a list
    // of 100,000 members does not hold the event loop in one statement.
    const out: Link[] = [];
    for (let after = -1; ; ) {
      const rows = s.readFieldLinksPage.all(uid, field, after, LINK_PAGE);
      for (const row of rows) out.push(toLink(row));
      if (rows.length < LINK_PAGE) return out;
      after = rows[rows.length - 1]!.seq;
      this.#check(false);
      await this.#slicer.breathe();
    }
  }

  async addLinks(source: RecordKey, field: string, targets: readonly RecordKey[]): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    for (let index = 0; index < targets.length; index++) {
      if (index % ROWS_PER_BREATH === ROWS_PER_BREATH - 1) {
        await this.#slicer.breathe();
        this.#check(true);
      }
      const target = targets[index]!;
      this.#s.insertLink.run(source.uid, source.model, field, target.uid, target.model);
    }
  }

  async removeLinks(source: string, field: string, targets?: readonly string[]): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    if (!targets) {
      this.#s.deleteFieldLinks.run(source, field);
      return;
    }
    for (let index = 0; index < targets.length; index++) {
      if (index % ROWS_PER_BREATH === ROWS_PER_BREATH - 1) {
        await this.#slicer.breathe();
        this.#check(true);
      }
      this.#s.deleteLink.run(source, field, targets[index]!);
    }
  }

  async readIncomingLinks(target: string, fields?: readonly string[]): Promise<IncomingLink[]> {
    const pause = this.#enter(false);
    if (pause) await pause;
    const rows = this.#s.readIncoming.all(target);
    return rows
      .filter((row) => !fields || fields.includes(row.field))
      .map(
        (row): IncomingLink => ({
          field: row.field,
          source: { uid: row.source, model: row.source_model },
        }),
      );
  }

  async removeIncomingLinks(target: string): Promise<void> {
    const pause = this.#enter(true);
    if (pause) await pause;
    this.#s.deleteIncoming.run(target);
  }

  async query(models: readonly string[], where?: WhereClause): Promise<RecordKey[]> {
    const pause = this.#enter(false);
    if (pause) await pause;
    if (models.length === 0) return [];
    const conditions = Object.entries(where ?? {});
    const indexed = conditions.filter((entry): entry is [string, Scalar] => isScalar(entry[1]));
    const rest = conditions.filter(([, value]) => !isScalar(value));
    const { sql, params } = querySql(models, indexed, rest.length > 0);
    const rows = this.#db.prepare<unknown[], KeyRow & { fields?: string }>(sql).all(...params);
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
  }

  // Query pushdown: the whole plan as one SELECT over the value index (query-sql.ts).
  async queryNative(plan: QueryPlan): Promise<RecordKey[]> {
    const pause = this.#enter(false);
    if (pause) await pause;
    return this.#queryIndex.query(plan);
  }

  async countNative(plan: CountPlan): Promise<number> {
    const pause = this.#enter(false);
    if (pause) await pause;
    return this.#queryIndex.count(plan);
  }
}

function toLink(row: LinkRow): Link {
  return { field: row.field, target: { uid: row.target, model: row.target_model } };
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

/**
 * Reads map the file into memory (up to 256 MiB) instead of copying each page with a read
 * call, and keep `cacheSizeMiB` of pages per connection (SQLite's default is 2 MiB): with the
 * defaults, a query on 100,000 records costs about twice what it costs on 1,000, against
 * three times on SQLite's defaults (the query bench, `pnpm bench`). Both bound what is used
 * only: a small database maps and caches only what it has.
 */
function tuneReads(db: Database.Database, cacheSizeMiB: number): void {
  db.pragma('mmap_size = 268435456');
  db.pragma(`cache_size = ${-cacheSizeMiB * 1024}`);
}

/** The read connection of a file database whose tables the main connection has made. */
function openReader(path: string, cacheSizeMiB: number): Connection {
  const db = new Database(path);
  try {
    // Reads wait for locks asynchronously too (see `transaction`); WAL readers rarely meet one.
    db.pragma('busy_timeout = 0');
    db.pragma('query_only = ON');
    tuneReads(db, cacheSizeMiB);
    return {
      db,
      statements: prepare(db),
      queryIndex: new SqliteQueryIndex(db),
      tail: Promise.resolve(),
      pending: 0,
    };
  } catch (error) {
    db.close();
    throw error;
  }
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
    beginRead: db.prepare('BEGIN'),
    beginWrite: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
    getModel: db.prepare<[string], KeyRow>('SELECT uid, model FROM records WHERE uid = ?'),
    readRecord: db.prepare<[string], RecordRow>('SELECT uid, model, fields FROM records WHERE uid = ?'),
    insertRecord: db.prepare<[string, string, string]>(
      'INSERT INTO records (uid, model, fields) VALUES (?, ?, ?)',
    ),
    updateFields: db.prepare<[string, string]>('UPDATE records SET fields = ? WHERE uid = ?'),
    deleteRecord: db.prepare<[string]>('DELETE FROM records WHERE uid = ?'),
    readGuid: db.prepare<[string], GuidRow>('SELECT uid, guid FROM guids WHERE uid = ?'),
    findGuid: db.prepare<[string], { uid: string }>('SELECT uid FROM guids WHERE guid = ?'),
    insertGuid: db.prepare<[string, string]>('INSERT INTO guids (uid, guid) VALUES (?, ?)'),
    deleteGuid: db.prepare<[string]>('DELETE FROM guids WHERE uid = ?'),
    readSeries: db.prepare<[string, string], PointRow>(
      'SELECT timestamp, value FROM series WHERE uid = ? AND field = ? ORDER BY timestamp',
    ),
    readSeriesWindow: db.prepare<[string, string, number, number], PointRow>(
      'SELECT timestamp, value FROM series WHERE uid = ? AND field = ? AND timestamp BETWEEN ? AND ? ORDER BY timestamp',
    ),
    upsertPoint: db.prepare<[string, string, number, string]>(
      'INSERT INTO series (uid, field, timestamp, value) VALUES (?, ?, ?, ?) ON CONFLICT (uid, field, timestamp) DO UPDATE SET value = excluded.value',
    ),
    clearSeries: db.prepare<[string, string]>('DELETE FROM series WHERE uid = ? AND field = ?'),
    deleteSeries: db.prepare<[string]>('DELETE FROM series WHERE uid = ?'),
    insertValue: db.prepare<[string, string, string, string]>(
      'INSERT INTO record_values (uid, model, field, value) VALUES (?, ?, ?, ?)',
    ),
    deleteValue: db.prepare<[string, string]>('DELETE FROM record_values WHERE uid = ? AND field = ?'),
    deleteValues: db.prepare<[string]>('DELETE FROM record_values WHERE uid = ?'),
    readLinks: db.prepare<[string], LinkRow>(
      'SELECT field, target, target_model FROM links WHERE source = ? ORDER BY seq',
    ),
    readFieldLinksPage: db.prepare<[string, string, number, number], LinkRow & { seq: number }>(
      'SELECT seq, field, target, target_model FROM links WHERE source = ? AND field = ? AND seq > ? ORDER BY seq LIMIT ?',
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
