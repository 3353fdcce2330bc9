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

interface MemoryRecord {
  model: string;
  fields: Record<string, JsonValue>;
}

type Undo = () => void;

interface StoredLink {
  model: string;
  seq: number;
}

let linkSeq = 0;

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/** JSON values are copied on the way in and out, so no caller can reach stored data. */
const copy = <T>(value: T): T => structuredClone(value);

function jsonEqual(a: JsonValue | undefined, b: JsonValue): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Storage primitives over in-process maps. Transactions run one at a time (a promise queue),
 * and each keeps an undo log that is replayed if its work throws, so a failed write leaves
 * nothing behind.
 */
export class MemoryDriver implements StorageDriver {
  readonly contractVersion = STORAGE_CONTRACT_VERSION;
  readonly capabilities: StorageCapabilities = { persistent: false, multiProcess: false };

  readonly #records = new Map<string, MemoryRecord>();
  readonly #byModel = new Map<string, Set<string>>();
  /** source uid → field → target uid → link (insertion-ordered; `seq` restores the order after an undo). */
  readonly #links = new Map<string, Map<string, Map<string, StoredLink>>>();
  /** target uid → `${source uid}\0${field}` → link. */
  readonly #incoming = new Map<string, Map<string, IncomingLink>>();
  #queue: Promise<unknown> = Promise.resolve();

  /** The number of records held. */
  get size(): number {
    return this.#records.size;
  }

  transaction<T>(mode: TransactionMode, work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      const undo: Undo[] = [];
      const tx = this.#transaction(mode, undo);
      try {
        return await work(tx);
      } catch (error) {
        for (let index = undo.length - 1; index >= 0; index--) undo[index]!();
        throw error;
      }
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #transaction(mode: TransactionMode, undo: Undo[]): StorageTransaction {
    const records = this.#records;
    const byModel = this.#byModel;
    const links = this.#links;
    const incoming = this.#incoming;
    const writable = () => {
      if (mode !== 'write') throw new Error('memory store: write in a read transaction');
    };

    const linkIncoming = (source: RecordKey, field: string, target: string) => {
      getOrCreate(incoming, target, () => new Map()).set(`${source.uid}\0${field}`, {
        source: { uid: source.uid, model: source.model },
        field,
      });
    };
    const unlinkIncoming = (source: string, field: string, target: string) => {
      const map = incoming.get(target);
      if (!map) return;
      map.delete(`${source}\0${field}`);
      if (map.size === 0) incoming.delete(target);
    };
    const fieldOf = (source: string, field: string) => {
      const outgoing = getOrCreate(links, source, () => new Map<string, Map<string, StoredLink>>());
      return getOrCreate(outgoing, field, () => new Map<string, StoredLink>());
    };
    /** Puts a removed link back where it was in its list. Only runs when a transaction is rolled back. */
    const restoreLink = (source: RecordKey, field: string, target: string, link: StoredLink) => {
      const fieldLinks = fieldOf(source.uid, field);
      fieldLinks.set(target, link);
      const ordered = [...fieldLinks].sort((a, b) => a[1].seq - b[1].seq);
      fieldLinks.clear();
      for (const [uid, value] of ordered) fieldLinks.set(uid, value);
      linkIncoming(source, field, target);
    };
    const removeLink = (source: RecordKey, field: string, target: string) => {
      const fieldLinks = links.get(source.uid)?.get(field);
      const link = fieldLinks?.get(target);
      if (!fieldLinks || link === undefined) return;
      fieldLinks.delete(target);
      unlinkIncoming(source.uid, field, target);
      undo.push(() => restoreLink(source, field, target, link));
    };

    return {
      async getModels(uids) {
        const found = new Map<string, string>();
        for (const uid of uids) {
          const record = records.get(uid);
          if (record) found.set(uid, record.model);
        }
        return found;
      },
      async readRecord(uid) {
        const record = records.get(uid);
        return record ? { uid, model: record.model, fields: copy(record.fields) } : null;
      },
      async createRecord(record: StoredRecord) {
        writable();
        records.set(record.uid, { model: record.model, fields: copy(record.fields) });
        getOrCreate(byModel, record.model, () => new Set<string>()).add(record.uid);
        undo.push(() => {
          records.delete(record.uid);
          byModel.get(record.model)?.delete(record.uid);
        });
      },
      async writeFields(uid, fields) {
        writable();
        const record = records.get(uid);
        if (!record) throw new Error(`memory store: no record ${uid}`);
        const previous = record.fields;
        record.fields = { ...previous, ...copy(fields) };
        undo.push(() => {
          record.fields = previous;
        });
      },
      async deleteRecord(uid) {
        writable();
        const record = records.get(uid);
        if (!record) return;
        const outgoing = links.get(uid);
        if (outgoing) {
          for (const [field, targets] of outgoing)
            for (const target of targets.keys()) unlinkIncoming(uid, field, target);
          links.delete(uid);
        }
        records.delete(uid);
        byModel.get(record.model)?.delete(uid);
        undo.push(() => {
          records.set(uid, record);
          byModel.get(record.model)?.add(uid);
          if (outgoing) {
            links.set(uid, outgoing);
            for (const [field, targets] of outgoing) {
              for (const target of targets.keys()) linkIncoming({ uid, model: record.model }, field, target);
            }
          }
        });
      },
      async readLinks(uid, field) {
        const outgoing = links.get(uid);
        if (!outgoing) return [];
        const out: Link[] = [];
        for (const [name, targets] of outgoing) {
          if (field !== undefined && name !== field) continue;
          for (const [target, link] of targets)
            out.push({ field: name, target: { uid: target, model: link.model } });
        }
        return out;
      },
      async addLinks(source, field, targets) {
        writable();
        const fieldLinks = fieldOf(source.uid, field);
        for (const target of targets) {
          if (fieldLinks.has(target.uid)) continue;
          fieldLinks.set(target.uid, { model: target.model, seq: linkSeq++ });
          linkIncoming(source, field, target.uid);
          undo.push(() => {
            links.get(source.uid)?.get(field)?.delete(target.uid);
            unlinkIncoming(source.uid, field, target.uid);
          });
        }
      },
      async removeLinks(source, field, targets) {
        writable();
        const fieldLinks = links.get(source)?.get(field);
        if (!fieldLinks) return;
        const key = { uid: source, model: records.get(source)?.model ?? '' };
        if (targets) {
          for (const target of targets) removeLink(key, field, target);
          return;
        }
        links.get(source)!.delete(field);
        for (const target of fieldLinks.keys()) unlinkIncoming(source, field, target);
        undo.push(() => {
          links.get(source)?.set(field, fieldLinks) ?? links.set(source, new Map([[field, fieldLinks]]));
          for (const target of fieldLinks.keys()) linkIncoming(key, field, target);
        });
      },
      async readIncomingLinks(target, fields) {
        const map = incoming.get(target);
        if (!map) return [];
        const out: IncomingLink[] = [];
        for (const link of map.values()) {
          if (!fields || fields.includes(link.field))
            out.push({ field: link.field, source: { ...link.source } });
        }
        return out;
      },
      async removeIncomingLinks(target) {
        writable();
        const map = incoming.get(target);
        if (!map) return;
        for (const link of [...map.values()]) removeLink(link.source, link.field, target);
      },
      async query(models, where?: WhereClause) {
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
      },
    };
  }
}
