import { ValidationError } from '@constelite/core';
import { uuid4Schema } from '@constelite/core/wire';

/**
 * Links records of several stores to one global entity id (guid). A store with a guid map
 * assigns guids on create, returns them on every ref and forgets them on delete.
 */
export interface GuidMap {
  /** Required. The guid of the record, or null. */
  getGuid(storeUid: string, recordUid: string): Promise<string | null>;
  /** Required. The uid of the record of `guid` in the store, or null. */
  getRecordUid(guid: string, storeUid: string): Promise<string | null>;
  /** Required. Links the record to `guid` (replacing nothing: the caller checked for conflicts). */
  link(guid: string, storeUid: string, recordUid: string): Promise<void>;
  /** Required. Forgets the record's guid link. */
  unlink(storeUid: string, recordUid: string): Promise<void>;
}

/** A guid map kept in memory. */
export class MemoryGuidMap implements GuidMap {
  readonly #byRecord = new Map<string, string>();
  readonly #byGuid = new Map<string, Map<string, string>>();

  async getGuid(storeUid: string, recordUid: string): Promise<string | null> {
    return this.#byRecord.get(`${storeUid}/${recordUid}`) ?? null;
  }

  async getRecordUid(guid: string, storeUid: string): Promise<string | null> {
    return this.#byGuid.get(guid)?.get(storeUid) ?? null;
  }

  async link(guid: string, storeUid: string, recordUid: string): Promise<void> {
    // Guids are version-4 UUIDs wherever they enter, a map too (docs/concepts.md, "Guids").
    if (!uuid4Schema.safeParse(guid).success) {
      throw new ValidationError(
        `MemoryGuidMap.link: guid ${JSON.stringify(guid)} of record ${recordUid} (store ${storeUid}) is not a version-4 UUID`,
        { extra: { guid, store: storeUid, uid: recordUid } },
      );
    }
    this.#byRecord.set(`${storeUid}/${recordUid}`, guid);
    let records = this.#byGuid.get(guid);
    if (!records) {
      records = new Map();
      this.#byGuid.set(guid, records);
    }
    records.set(storeUid, recordUid);
  }

  async unlink(storeUid: string, recordUid: string): Promise<void> {
    const key = `${storeUid}/${recordUid}`;
    const guid = this.#byRecord.get(key);
    if (guid === undefined) return;
    this.#byRecord.delete(key);
    const records = this.#byGuid.get(guid);
    records?.delete(storeUid);
    if (records?.size === 0) this.#byGuid.delete(guid);
  }
}
