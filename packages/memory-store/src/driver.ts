import type {
  CountPlan,
  IncomingLink,
  JsonValue,
  Link,
  QueryPlan,
  RecordKey,
  StorageCapabilities,
  StorageDriver,
  StorageTransaction,
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
  for (const key of Object.keys(value)) {
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
  readonly byModel: Map<string, Set<string>>;
  readonly links: Map<string, OutgoingLinks>;
  /** target uid → `${source uid}\0${field}` → link. */
  readonly incoming: Map<string, Map<string, IncomingLink>>;
  /** Per-field indexes for query pushdown (indexes.ts), changed and undone with the records. */
  readonly indexes: MemoryIndexes;
}

/**
 * Storage primitives over in-process maps. Transactions run one at a time (each waits for the one before),
 * and each keeps an undo log that is replayed if its work throws, so a failed write leaves
 * nothing behind.
 */
export class MemoryDriver implements StorageDriver {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly capabilities: StorageCapabilities = { persistent: false, multiProcess: false };

  readonly #data: MemoryData = {
    records: new Map(),
    byModel: new Map(),
    links: new Map(),
    incoming: new Map(),
    indexes: new MemoryIndexes(),
  };
  /** The last transaction started; the next one waits for it. */
  #tail: Promise<unknown> = Promise.resolve();
  /** Transactions started and not yet ended. */
  #pending = 0;

  /** The number of records held. */
  get size(): number {
    return this.#data.records.size;
  }

  transaction<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    // An idle driver starts the work at once (no queue hop); otherwise it waits for the
    // transaction before it, whether that one succeeded or failed.
    const result = this.#pending === 0 ? this.#execute(mode, work) : this.#afterTail(mode, work);
    this.#pending++;
    this.#tail = result;
    return result;
  }

  #afterTail<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    const run = () => this.#execute(mode, work);
    return this.#tail.then(run, run);
  }

  async #execute<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    const tx = new MemoryTransaction(this.#data, mode);
    try {
      return await work(tx);
    } catch (error) {
      tx.rollback();
      throw error;
    } finally {
      this.#pending--;
    }
  }
}

/** One transaction: the primitives over the driver's maps, with an undo log. */
class MemoryTransaction implements StorageTransaction {
  readonly #undo: Undo[] = [];

  constructor(
    private readonly data: MemoryData,
    private readonly mode: TransactionMode,
  ) {}

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

  async readRecord(uid: string): Promise<StoredRecord | null> {
    const record = this.data.records.get(uid);
    return record ? { uid, model: record.model, fields: copy(record.fields) } : null;
  }

  async createRecord(record: StoredRecord): Promise<void> {
    this.#writable();
    const { records, byModel } = this.data;
    const stored = { model: record.model, fields: copy(record.fields) };
    records.set(record.uid, stored);
    getOrCreate(byModel, record.model, () => new Set<string>()).add(record.uid);
    this.data.indexes.add(record.uid, record.model, stored.fields);
    this.#undo.push(() => {
      this.data.indexes.remove(record.uid, record.model, stored.fields);
      records.delete(record.uid);
      byModel.get(record.model)?.delete(record.uid);
    });
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
    this.#undo.push(() => {
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
    const { records, byModel } = this.data;
    const out: RecordKey[] = [];
    const conditions = where ? Object.entries(where) : [];
    for (const model of models) {
      for (const uid of byModel.get(model) ?? []) {
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

  async countNative(plan: CountPlan): Promise<number> {
    return this.data.indexes.count(plan, this.#source());
  }

  #source(): MemorySource {
    const { records, byModel, incoming } = this.data;
    return {
      fields: (uid) => records.get(uid)?.fields,
      uidsOf: (model) => byModel.get(model) ?? [],
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
