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
import { MemoryIndexes, type MemorySource } from './indexes.js';

interface MemoryRecord {
  model: string;
  fields: Record<string, JsonValue>;
}

type Undo = () => void;

interface StoredLink {
  model: string;
  /** Global insertion number: restores a link's place in its list when a removal is undone. */
  seq: number;
}

/** source uid → field → target uid → link. Maps keep insertion order, which is the list order. */
type OutgoingLinks = Map<string, Map<string, StoredLink>>;

let linkSeq = 0;

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/**
 * A deep copy of a JSON value. Values are copied on the way in and out, so that no caller can
 * reach stored data; for small JSON objects this is several times faster than structuredClone.
 * Only own keys are copied, and a `__proto__` key is defined as data: assigning it would set
 * the copy's prototype instead and lose the value (docs/store-authors.md, "2. The primitives": values come back exactly).
 */
function copy<T extends JsonValue>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  const out: { [key: string]: JsonValue } = {};
  // (for…in with hasOwn, not Object.keys: no array of keys for every object copied)
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const item = copy(value[key] as JsonValue);
    if (key === '__proto__')
      Object.defineProperty(out, key, { value: item, writable: true, enumerable: true, configurable: true });
    else out[key] = item;
  }
  return out as T;
}

function jsonEqual(a: JsonValue | undefined, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The data of one MemoryDriver, shared by its transactions. */
interface MemoryData {
  readonly records: Map<string, MemoryRecord>;
  /**
   * model → its records' uids, in the order of `records`, for the models a query has needed
   * (`uidsOfModel` makes a model's set then, and every write keeps it from then on): a store
   * that is never queried by model pays no set entry per record, in time or memory.
   */
  readonly byModel: Map<string, Set<string>>;
  readonly links: Map<string, OutgoingLinks>;
  /** target uid → `${source uid}\0${field}` → link. */
  readonly incoming: Map<string, Map<string, IncomingLink>>;
  /** Per-field indexes for query pushdown (indexes.ts), changed and undone with the records. */
  readonly indexes: MemoryIndexes;
  /** record uid → guid, and guid → record uid (contract version 3: guids kept with the records). */
  readonly guids: Map<string, string>;
  readonly byGuid: Map<string, string>;
  /** record uid → dynamic field → its series (contract version 3: series kept apart from the fields). */
  readonly series: Map<string, Map<string, MemorySeries>>;
}

/** The uids of the records of `model`, in the order of `records`: the set `byModel` keeps, made on first need. */
function uidsOfModel(data: MemoryData, model: string): Set<string> {
  let uids = data.byModel.get(model);
  if (uids === undefined) {
    uids = new Set<string>();
    for (const [uid, record] of data.records) if (record.model === model) uids.add(uid);
    data.byModel.set(model, uids);
  }
  return uids;
}

/** A series as two arrays in timestamp order: a binary search finds a point, an append is a push. */
interface MemorySeries {
  timestamps: number[];
  values: JsonValue[];
}

/** The first index of `timestamps` (ascending) whose timestamp is ≥ `timestamp` (> with `after`). */
function searchPoints(timestamps: readonly number[], timestamp: number, after = false): number {
  let low = 0;
  let high = timestamps.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const value = timestamps[middle]!;
    if (value < timestamp || (after && value === timestamp)) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Storage primitives over in-process maps. A write transaction runs alone; read transactions
 * run together, never while a write runs (so each sees committed data only, and the same data
 * throughout). Transactions start in the order they were asked for: a write waits for the
 * reads before it, and reads asked for after a waiting write wait for it. A write keeps an
 * undo log that is replayed if its work throws, so a failed write leaves nothing behind.
 */
export class MemoryDriver implements StorageDriver {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly capabilities: StorageCapabilities = {
    persistent: false,
    multiProcess: false,
    guids: true,
    series: true,
  };

  readonly #data: MemoryData = {
    records: new Map(),
    byModel: new Map(),
    links: new Map(),
    incoming: new Map(),
    indexes: new MemoryIndexes(),
    guids: new Map(),
    byGuid: new Map(),
    series: new Map(),
  };
  /** Read transactions running. */
  #readers = 0;
  /** The write transaction running, if one is. */
  #writer: MemoryTransaction | null = null;
  /** Transactions waiting to start, in the order they were asked for. */
  readonly #waiting: { mode: TransactionMode; start: () => void }[] = [];

  /** The number of records held. */
  get size(): number {
    return this.#data.records.size;
  }

  transaction<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    // A transaction that can start starts at once (no queue hop): a read when no write runs or
    // waits, a write when nothing runs or waits.
    if (this.#waiting.length === 0 && !this.#writer && (mode === 'read' || this.#readers === 0))
      return this.#execute(mode, work);
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ mode, start: () => this.#execute(mode, work).then(resolve, reject) });
    });
  }

  #execute<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    // A promise chain rather than an async function, with the ending steps made once per
    // driver (a write runs alone, so the one running is `#writer`): a small put or get is a
    // few microseconds, and a promise and two closures per transaction were a good part of it.
    const tx = new MemoryTransaction(this.#data, mode);
    if (mode === 'read') this.#readers++;
    else this.#writer = tx;
    let running: Promise<T>;
    try {
      running = Promise.resolve(work(tx));
    } catch (error) {
      running = Promise.reject(error);
    }
    return mode === 'read'
      ? running.then(this.#readDone, this.#readFailed)
      : running.then(this.#writeDone, this.#writeFailed);
  }

  readonly #readDone = <T>(value: T): T => {
    this.#readers--;
    this.#startWaiting();
    return value;
  };

  readonly #readFailed = (error: unknown): never => {
    this.#readers--;
    this.#startWaiting();
    throw error;
  };

  readonly #writeDone = <T>(value: T): T => {
    this.#writer = null;
    this.#startWaiting();
    return value;
  };

  /** Rolls back the write whose work threw, then ends it. */
  readonly #writeFailed = (error: unknown): never => {
    try {
      this.#writer?.rollback();
    } finally {
      this.#writer = null;
      this.#startWaiting();
    }
    throw error;
  };

  /** Starts the waiting transactions that can start now, in order. */
  #startWaiting(): void {
    const waiting = this.#waiting;
    while (waiting.length > 0 && !this.#writer) {
      const next = waiting[0]!;
      if (next.mode === 'write' && this.#readers > 0) return;
      waiting.shift();
      next.start();
    }
  }
}

const NOTHING_TO_UNDO: Undo[] = Object.freeze([]) as unknown as Undo[];

/** The answer of a primitive that answers nothing: settled, so every caller may share it. */
const DONE: Promise<void> = Promise.resolve();

/** One transaction: the primitives over the driver's maps, with an undo log. */
class MemoryTransaction implements StorageTransaction {
  readonly #undo: Undo[];

  constructor(
    private readonly data: MemoryData,
    private readonly mode: TransactionMode,
  ) {
    // A read writes nothing, so it has nothing to undo: it shares one frozen, empty log.
    this.#undo = mode === 'write' ? [] : NOTHING_TO_UNDO;
  }

  /** Replays the undo log, newest first. */
  rollback(): void {
    const undo = this.#undo;
    for (let index = undo.length - 1; index >= 0; index--) undo[index]!();
  }

  async getModels(uids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const uid of uids) {
      const record = this.data.records.get(uid);
      if (record) found.set(uid, record.model);
    }
    return found;
  }

  // readRecord and createRecord, which every get and put calls, are no async functions: an
  // answer known at once is one settled promise (one shared promise for createRecord), and a
  // failure still rejects.
  readRecord(uid: string): Promise<StoredRecord | null> {
    const record = this.data.records.get(uid);
    return Promise.resolve(record ? { uid, model: record.model, fields: copy(record.fields) } : null);
  }

  createRecord(record: StoredRecord): Promise<void> {
    try {
      this.#writable();
      const { records, byModel, indexes } = this.data;
      const { uid, model } = record;
      const stored = { model, fields: copy(record.fields) };
      records.set(uid, stored);
      byModel.get(model)?.add(uid);
      indexes.add(uid, model, stored.fields);
      this.#undo.push(() => {
        indexes.remove(uid, model, stored.fields);
        records.delete(uid);
        byModel.get(model)?.delete(uid);
      });
    } catch (error) {
      return Promise.reject(error);
    }
    return DONE;
  }

  async writeFields(uid: string, fields: Record<string, JsonValue>): Promise<void> {
    this.#writable();
    const record = this.data.records.get(uid);
    if (!record) throw new Error(`memory store: no record ${uid}`);
    const previous = record.fields;
    record.fields = { ...previous, ...copy(fields) };
    const next = record.fields;
    this.data.indexes.replace(uid, record.model, previous, next);
    this.#undo.push(() => {
      this.data.indexes.replace(uid, record.model, next, previous);
      record.fields = previous;
    });
  }

  async deleteRecord(uid: string): Promise<void> {
    this.#writable();
    const { records, byModel, links } = this.data;
    const record = records.get(uid);
    if (!record) return;
    const outgoing = links.get(uid);
    if (outgoing) {
      for (const [field, targets] of outgoing)
        for (const target of targets.keys()) this.#unlinkIncoming(uid, field, target);
      links.delete(uid);
    }
    records.delete(uid);
    byModel.get(record.model)?.delete(uid);
    this.data.indexes.remove(uid, record.model, record.fields);
    const guid = this.data.guids.get(uid);
    if (guid !== undefined) this.#unlinkGuid(uid, guid);
    const series = this.data.series.get(uid);
    if (series) this.data.series.delete(uid);
    this.#undo.push(() => {
      if (series) this.data.series.set(uid, series);
      this.data.indexes.add(uid, record.model, record.fields);
      records.set(uid, record);
      byModel.get(record.model)?.add(uid);
      if (outgoing) {
        links.set(uid, outgoing);
        for (const [field, targets] of outgoing)
          for (const target of targets.keys())
            this.#linkIncoming({ uid, model: record.model }, field, target);
      }
    });
  }

  async readLinks(uid: string, field?: string): Promise<Link[]> {
    const outgoing = this.data.links.get(uid);
    if (!outgoing) return [];
    const out: Link[] = [];
    for (const [name, targets] of outgoing) {
      if (field !== undefined && name !== field) continue;
      for (const [target, link] of targets)
        out.push({ field: name, target: { uid: target, model: link.model } });
    }
    return out;
  }

  async addLinks(source: RecordKey, field: string, targets: readonly RecordKey[]): Promise<void> {
    this.#writable();
    const fieldLinks = this.#fieldOf(source.uid, field);
    for (const target of targets) {
      if (fieldLinks.has(target.uid)) continue;
      fieldLinks.set(target.uid, { model: target.model, seq: linkSeq++ });
      this.#linkIncoming(source, field, target.uid);
      this.#undo.push(() => {
        this.data.links.get(source.uid)?.get(field)?.delete(target.uid);
        this.#unlinkIncoming(source.uid, field, target.uid);
      });
    }
  }

  async removeLinks(source: string, field: string, targets?: readonly string[]): Promise<void> {
    this.#writable();
    const { links, records } = this.data;
    const fieldLinks = links.get(source)?.get(field);
    if (!fieldLinks) return;
    const key = { uid: source, model: records.get(source)?.model ?? '' };
    if (targets) {
      for (const target of targets) this.#removeLink(key, field, target);
      return;
    }
    links.get(source)!.delete(field);
    for (const target of fieldLinks.keys()) this.#unlinkIncoming(source, field, target);
    this.#undo.push(() => {
      getOrCreate(links, source, () => new Map()).set(field, fieldLinks);
      for (const target of fieldLinks.keys()) this.#linkIncoming(key, field, target);
    });
  }

  async readIncomingLinks(target: string, fields?: readonly string[]): Promise<IncomingLink[]> {
    const map = this.data.incoming.get(target);
    if (!map) return [];
    const out: IncomingLink[] = [];
    for (const link of map.values()) {
      if (!fields || fields.includes(link.field)) out.push({ field: link.field, source: { ...link.source } });
    }
    return out;
  }

  async removeIncomingLinks(target: string): Promise<void> {
    this.#writable();
    const map = this.data.incoming.get(target);
    if (!map) return;
    for (const link of [...map.values()]) this.#removeLink(link.source, link.field, target);
  }

  async query(models: readonly string[], where?: WhereClause): Promise<RecordKey[]> {
    const { records } = this.data;
    const out: RecordKey[] = [];
    const conditions = where ? Object.entries(where) : [];
    for (const model of models) {
      for (const uid of uidsOfModel(this.data, model)) {
        const record = records.get(uid)!;
        if (conditions.every(([field, value]) => jsonEqual(record.fields[field], value)))
          out.push({ uid, model });
      }
    }
    return out;
  }

  // Query pushdown: the plan over the per-field indexes (indexes.ts).
  async queryNative(plan: QueryPlan): Promise<RecordKey[]> {
    return this.data.indexes.query(plan, this.#source());
  }

  async readGuids(uids: readonly string[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const uid of uids) {
      const guid = this.data.guids.get(uid);
      if (guid !== undefined) found.set(uid, guid);
    }
    return found;
  }

  async findGuid(guid: string): Promise<string | null> {
    return this.data.byGuid.get(guid) ?? null;
  }

  async writeGuid(uid: string, guid: string): Promise<void> {
    this.#writable();
    const { guids, byGuid } = this.data;
    if (!this.data.records.has(uid)) throw new Error(`memory store: no record ${uid} for guid ${guid}`);
    const taken = byGuid.get(guid);
    if (taken !== undefined && taken !== uid)
      throw new Error(`memory store: guid ${guid} already names record ${taken}`);
    if (guids.has(uid)) throw new Error(`memory store: record ${uid} already has guid ${guids.get(uid)}`);
    guids.set(uid, guid);
    byGuid.set(guid, uid);
    this.#undo.push(() => {
      guids.delete(uid);
      byGuid.delete(guid);
    });
  }

  async readSeries(uid: string, field: string, window: SeriesWindow): Promise<StoredPoint[]> {
    const series = this.data.series.get(uid)?.get(field);
    if (!series) return [];
    const { timestamps, values } = series;
    const start = window.from === undefined ? 0 : searchPoints(timestamps, window.from);
    const end = window.to === undefined ? timestamps.length : searchPoints(timestamps, window.to, true);
    const points: StoredPoint[] = [];
    for (let index = start; index < end; index++)
      points.push({ timestamp: timestamps[index]!, value: copy(values[index]!) });
    return points;
  }

  async appendPoints(source: RecordKey, field: string, points: readonly StoredPoint[]): Promise<void> {
    this.#writable();
    if (!this.data.records.has(source.uid))
      throw new Error(`memory store: no record ${source.uid} for series ${field}`);
    const byField = getOrCreate(this.data.series, source.uid, () => new Map<string, MemorySeries>());
    const series = getOrCreate(byField, field, (): MemorySeries => ({ timestamps: [], values: [] }));
    const { timestamps, values } = series;
    for (const point of points) {
      const value = copy(point.value);
      const last = timestamps.length - 1;
      // Points usually arrive in time order: an append at the end is a push, undone by a pop.
      if (last < 0 || timestamps[last]! < point.timestamp) {
        timestamps.push(point.timestamp);
        values.push(value);
        this.#undo.push(() => {
          timestamps.pop();
          values.pop();
        });
        continue;
      }
      const index = searchPoints(timestamps, point.timestamp);
      if (timestamps[index] === point.timestamp) {
        const previous = values[index]!;
        values[index] = value;
        this.#undo.push(() => {
          values[index] = previous;
        });
      } else {
        timestamps.splice(index, 0, point.timestamp);
        values.splice(index, 0, value);
        this.#undo.push(() => {
          timestamps.splice(index, 1);
          values.splice(index, 1);
        });
      }
    }
  }

  async clearSeries(uid: string, field: string): Promise<void> {
    this.#writable();
    const byField = this.data.series.get(uid);
    const series = byField?.get(field);
    if (!byField || !series) return;
    byField.delete(field);
    this.#undo.push(() => byField.set(field, series));
  }

  #unlinkGuid(uid: string, guid: string): void {
    const { guids, byGuid } = this.data;
    guids.delete(uid);
    byGuid.delete(guid);
    this.#undo.push(() => {
      guids.set(uid, guid);
      byGuid.set(guid, uid);
    });
  }

  async countNative(plan: CountPlan): Promise<number> {
    return this.data.indexes.count(plan, this.#source());
  }

  #source(): MemorySource {
    const { records, incoming } = this.data;
    const data = this.data;
    return {
      fields: (uid) => records.get(uid)?.fields,
      uidsOf: (model) => uidsOfModel(data, model),
      *sourcesOf(target, field) {
        for (const link of incoming.get(target)?.values() ?? []) if (link.field === field) yield link.source;
      },
    };
  }

  #writable(): void {
    if (this.mode !== 'write') throw new Error('memory store: write in a read transaction');
  }

  #linkIncoming(source: RecordKey, field: string, target: string): void {
    getOrCreate(this.data.incoming, target, () => new Map()).set(`${source.uid}\0${field}`, {
      source: { uid: source.uid, model: source.model },
      field,
    });
  }

  #unlinkIncoming(source: string, field: string, target: string): void {
    const map = this.data.incoming.get(target);
    if (!map) return;
    map.delete(`${source}\0${field}`);
    if (map.size === 0) this.data.incoming.delete(target);
  }

  #fieldOf(source: string, field: string): Map<string, StoredLink> {
    const outgoing = getOrCreate(this.data.links, source, (): OutgoingLinks => new Map());
    return getOrCreate(outgoing, field, () => new Map<string, StoredLink>());
  }

  #removeLink(source: RecordKey, field: string, target: string): void {
    const fieldLinks = this.data.links.get(source.uid)?.get(field);
    const link = fieldLinks?.get(target);
    if (!fieldLinks || link === undefined) return;
    fieldLinks.delete(target);
    this.#unlinkIncoming(source.uid, field, target);
    this.#undo.push(() => this.#restoreLink(source, field, target, link));
  }

  /** Puts a removed link back where it was in its list. Only runs when a transaction is rolled back. */
  #restoreLink(source: RecordKey, field: string, target: string, link: StoredLink): void {
    const fieldLinks = this.#fieldOf(source.uid, field);
    fieldLinks.set(target, link);
    const ordered = [...fieldLinks].sort((a, b) => a[1].seq - b[1].seq);
    fieldLinks.clear();
    for (const [uid, value] of ordered) fieldLinks.set(uid, value);
    this.#linkIncoming(source, field, target);
  }
}
