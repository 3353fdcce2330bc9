// A small in-memory driver for this package's own tests (not built, not published): enough of
// the storage contract to run real puts, gets and queries, with a call log, and `readRecords`
// only when asked for, so a test can compare the optional primitive with its fallback.
import type {
  IncomingLink,
  JsonValue,
  Link,
  RecordKey,
  StorageDriver,
  StorageTransaction,
  StoredRecord,
} from './driver.js';

interface Data {
  records: Map<string, { model: string; fields: Record<string, JsonValue> }>;
  links: { source: RecordKey; field: string; target: RecordKey }[];
}

const copy = <T>(value: T): T => structuredClone(value);

export interface TestDriver extends StorageDriver {
  /** The primitives called, in order. */
  readonly calls: string[];
}

/** A driver of `contractVersion`, with the optional `readRecords` when `withReadRecords`. */
export function testDriver(options: { contractVersion: number; withReadRecords?: boolean }): TestDriver {
  let data: Data = { records: new Map(), links: [] };
  let tail: Promise<unknown> = Promise.resolve();
  const calls: string[] = [];

  const transaction = (): StorageTransaction => {
    const readRecord = async (uid: string): Promise<StoredRecord | null> => {
      const record = data.records.get(uid);
      return record ? { uid, model: record.model, fields: copy(record.fields) } : null;
    };
    const tx: StorageTransaction = {
      async getModels(uids) {
        return new Map(
          uids.flatMap((uid) => (data.records.has(uid) ? [[uid, data.records.get(uid)!.model]] : [])),
        );
      },
      readRecord,
      async createRecord(record) {
        data.records.set(record.uid, { model: record.model, fields: copy(record.fields) });
      },
      async writeFields(uid, fields) {
        const record = data.records.get(uid)!;
        record.fields = { ...record.fields, ...copy(fields) };
      },
      async deleteRecord(uid) {
        data.records.delete(uid);
        data.links = data.links.filter((link) => link.source.uid !== uid);
      },
      async readLinks(uid, field) {
        return data.links
          .filter((link) => link.source.uid === uid && (field === undefined || link.field === field))
          .map((link): Link => ({ field: link.field, target: { ...link.target } }));
      },
      async addLinks(source, field, targets) {
        for (const target of targets) {
          const linked = data.links.some(
            (link) =>
              link.source.uid === source.uid && link.field === field && link.target.uid === target.uid,
          );
          if (!linked) data.links.push({ source: { ...source }, field, target: { ...target } });
        }
      },
      async removeLinks(source, field, targets) {
        data.links = data.links.filter(
          (link) =>
            !(
              link.source.uid === source &&
              link.field === field &&
              (!targets || targets.includes(link.target.uid))
            ),
        );
      },
      async readIncomingLinks(target, fields) {
        return data.links
          .filter((link) => link.target.uid === target && (!fields || fields.includes(link.field)))
          .map((link): IncomingLink => ({ field: link.field, source: { ...link.source } }));
      },
      async removeIncomingLinks(target) {
        data.links = data.links.filter((link) => link.target.uid !== target);
      },
      async query(models, where) {
        const out: RecordKey[] = [];
        for (const [uid, record] of data.records) {
          if (!models.includes(record.model)) continue;
          const fits = Object.entries(where ?? {}).every(
            ([field, value]) => JSON.stringify(record.fields[field]) === JSON.stringify(value),
          );
          if (fits) out.push({ uid, model: record.model });
        }
        return out;
      },
    };
    if (options.withReadRecords) {
      tx.readRecords = async (uids) => {
        const found = new Map<string, StoredRecord>();
        for (const uid of uids) {
          const record = await readRecord(uid);
          if (record) found.set(uid, record);
        }
        return found;
      };
    }
    // Every primitive call is logged by name.
    return new Proxy(tx, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver);
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls.push(String(name));
          return value(...args);
        };
      },
    });
  };

  return {
    contractVersion: options.contractVersion,
    calls,
    transaction(_mode, work) {
      // One transaction at a time; a failed one restores the data as it was before it.
      const run = async () => {
        const before: Data = { records: copy(data.records), links: copy(data.links) };
        try {
          return await work(transaction());
        } catch (error) {
          data = before;
          throw error;
        }
      };
      const result = tail.then(run, run);
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
