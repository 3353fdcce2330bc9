import { randomUUID } from 'node:crypto';
import {
  type AnyState,
  type AnyStateModel,
  defaultRegistry,
  type FieldInfo,
  GuidConflictError,
  isConsteliteError,
  MethodNotAllowedError,
  type ModelRegistry,
  RecordNotFoundError,
  Ref,
  type RefTo,
  type RelationshipKind,
  type StateOf,
  StoreFaultError,
  type StoreInfo,
  type TimePoint,
  ValidationError,
  WrongStoreError,
} from '@constelite/core';
import {
  type JsonValue,
  type RecordKey,
  STORAGE_CONTRACT_VERSION,
  type StorageDriver,
  type StorageTransaction,
  type WhereClause,
} from './driver.js';
import type { GuidMap } from './guid.js';

/** The methods a store may offer. */
export type StoreMethod = 'put' | 'get' | 'patch' | 'delete' | 'query' | 'bulkGet';

/** Every store method, the default of `allowedMethods`. */
export const ALL_STORE_METHODS: readonly StoreMethod[] = [
  'put',
  'get',
  'patch',
  'delete',
  'query',
  'bulkGet',
];

export interface StoreOptions {
  /** The store's uid, a UUID. Default: a new random v4 UUID. */
  uid?: string;
  /** The store's name. Default: the class name. */
  name?: string;
  /** The storage primitives the store runs on. */
  driver: StorageDriver;
  /** The methods callers may use. Default: all of them. */
  allowedMethods?: readonly StoreMethod[];
  /** The registry that resolves model names. Default: the global registry. */
  registry?: ModelRegistry;
  /** A guid map to use from the start (see `setGuidMap`). */
  guidMap?: GuidMap;
}

/** Arguments of `Store.query`. */
export interface QueryOptions<M extends AnyStateModel | string = AnyStateModel> {
  /** The model (or its name) whose records, sub-models included, are wanted. */
  model: M;
  /** Static field values the records must equal; absent means all records of the model. */
  where?: M extends AnyStateModel ? Partial<Omit<StateOf<M>, 'model_name'>> : Record<string, unknown>;
  /** Return each record's state too. Default: false. */
  includeStates?: boolean;
}

type RefOf<M> = M extends AnyStateModel ? RefTo<StateOf<M>> : RefTo;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type WriteMode = 'put' | 'patch';

/**
 * A store: records of state models behind the standard methods put/get/patch/delete/query/
 * bulkGet, with the relationship semantics of SPEC §2. A store package subclasses it (or
 * constructs it) with a `StorageDriver` that supplies the storage primitives.
 */
export class Store {
  /** The store's uid (a UUID). */
  readonly uid: string;
  /** The store's name. */
  readonly name: string;
  /** The methods callers may use. */
  readonly allowedMethods: ReadonlySet<StoreMethod>;
  /** The registry that resolves model names. */
  readonly registry: ModelRegistry;
  protected readonly driver: StorageDriver;
  #guidMap: GuidMap | null;

  constructor(options: StoreOptions) {
    const uid = options.uid ?? randomUUID();
    if (!UUID.test(uid)) {
      throw new ValidationError(`Store uid '${uid}' is not a UUID`, {
        extra: { store: options.name ?? null },
      });
    }
    if (options.driver.contractVersion !== STORAGE_CONTRACT_VERSION) {
      throw new ValidationError(
        `Store ${options.name ?? uid} uses storage contract ${options.driver.contractVersion}; this @constelite/store implements ${STORAGE_CONTRACT_VERSION}`,
      );
    }
    this.uid = uid.toLowerCase();
    this.name = options.name ?? new.target.name;
    this.driver = options.driver;
    this.allowedMethods = new Set(options.allowedMethods ?? ALL_STORE_METHODS);
    this.registry = options.registry ?? defaultRegistry;
    this.#guidMap = options.guidMap ?? null;
  }

  /** The store as it appears in a record: `{uid, name}`. */
  get info(): StoreInfo {
    return { uid: this.uid, name: this.name };
  }

  /** Enables guids: from now on refs carry guids, assigned on create. */
  setGuidMap(guidMap: GuidMap | null): void {
    this.#guidMap = guidMap;
  }

  /** The guid map in use, if any. */
  get guidMap(): GuidMap | null {
    return this.#guidMap;
  }

  /**
   * Creates a record (no record on the ref) or overwrites the given fields of one (record on
   * the ref; relationships replaced, dropped composition members deleted). Returns a ref without state.
   */
  async put<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>> {
    this.#assertAllowed('put');
    return this.#write(ref, 'put') as Promise<RefTo<S>>;
  }

  /** Overwrites given static fields, appends dynamic points and aggregation/composition members, replaces associations. */
  async patch<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>> {
    this.#assertAllowed('patch');
    return this.#write(ref, 'patch') as Promise<RefTo<S>>;
  }

  /** The record's full current state. A missing record is a `RECORD_NOT_FOUND` error. */
  async get<S extends AnyState>(ref: Ref<S>): Promise<RefTo<S>> {
    this.#assertAllowed('get');
    const target = this.#checkRef(ref, 'get');
    const uid = target.record?.uid ?? (await this.#requireUid(target, 'get'));
    const state = await this.#run('read', (tx) => this.#readState(tx, uid, target.state_model_name));
    if (!this.#guidMap) return this.#makeRef(uid, state.model_name, state, null) as RefTo<S>;
    await this.#addGuids(state);
    return this.#makeRef(uid, state.model_name, state, await this.#guidOf(uid)) as RefTo<S>;
  }

  /** Many gets in one call, answered in the order asked. */
  async bulkGet<S extends AnyState>(refs: readonly Ref<S>[]): Promise<RefTo<S>[]> {
    this.#assertAllowed('bulkGet');
    const targets = refs.map((ref) => this.#checkRef(ref, 'bulkGet'));
    const uids = await Promise.all(targets.map((target) => this.#requireUid(target, 'bulkGet')));
    const states = await this.#run('read', async (tx) => {
      const out: AnyState[] = [];
      for (const [index, uid] of uids.entries())
        out.push(await this.#readState(tx, uid, targets[index]!.state_model_name));
      return out;
    });
    for (const state of states) await this.#addGuids(state);
    return Promise.all(
      states.map(async (state, index) =>
        this.#makeRef(uids[index]!, state.model_name, state, await this.#guidOf(uids[index]!)),
      ),
    ) as Promise<RefTo<S>[]>;
  }

  /** Deletes the record, its composition members (recursively) and every link to it. */
  async delete(ref: Ref): Promise<void> {
    this.#assertAllowed('delete');
    const target = this.#checkRef(ref, 'delete');
    const uid = await this.#requireUid(target, 'delete');
    const deleted = await this.#run('write', async (tx) => {
      const model = (await tx.getModels([uid])).get(uid);
      if (model === undefined) throw this.#notFound(uid, target.state_model_name);
      const removed: string[] = [];
      await this.#deleteTree(tx, uid, new Set(), removed);
      return removed;
    });
    const guidMap = this.#guidMap;
    if (guidMap) for (const removed of deleted) await guidMap.unlink(this.uid, removed);
  }

  /** Refs to the records of a model (sub-models included) whose static fields equal `where`. */
  async query<M extends AnyStateModel | string>(options: QueryOptions<M>): Promise<RefOf<M>[]> {
    this.#assertAllowed('query');
    const model =
      typeof options.model === 'string' ? this.registry.get(options.model) : (options.model as AnyStateModel);
    const where = this.#checkWhere(
      model,
      (options.where ?? undefined) as Record<string, unknown> | undefined,
    );
    const models = this.registry.subModelNames(model);
    const found = await this.#run('read', async (tx) => {
      const keys = await tx.query(models, where);
      if (!options.includeStates) return keys.map((key) => ({ key, state: null as AnyState | null }));
      const out: { key: RecordKey; state: AnyState | null }[] = [];
      for (const key of keys) out.push({ key, state: await this.#readState(tx, key.uid, key.model) });
      return out;
    });
    for (const { state } of found) if (state) await this.#addGuids(state);
    return Promise.all(
      found.map(async ({ key, state }) =>
        this.#makeRef(key.uid, key.model, state, await this.#guidOf(key.uid)),
      ),
    ) as Promise<RefOf<M>[]>;
  }

  /** Releases the driver's resources. */
  async close(): Promise<void> {
    await this.driver.close?.();
  }

  toJSON(): StoreInfo {
    return this.info;
  }

  // --- writes ---------------------------------------------------------------------------

  async #write(ref: Ref, mode: WriteMode): Promise<RefTo> {
    const target = this.#checkRef(ref, mode);
    const state = target.state ? this.#validate(target.state, target.state_model_name) : null;
    let uid = target.record?.uid ?? null;
    const guidMap = this.#guidMap;
    if (!uid && target.guid && guidMap) uid = await guidMap.getRecordUid(target.guid, this.uid);
    if (uid && target.guid && guidMap) {
      const existing = await guidMap.getGuid(this.uid, uid);
      if (existing && existing !== target.guid) {
        throw new GuidConflictError(
          `Record ${uid} of ${target.state_model_name} in store ${this.#label} has guid ${existing}, not ${target.guid}`,
          { extra: { store: this.uid, uid, guid: target.guid, existing } },
        );
      }
    }
    if (!uid && mode === 'patch') {
      throw new ValidationError(
        `patch needs a ref with a record; this ${target.state_model_name} ref has none`,
        {
          extra: { model: target.state_model_name, store: this.uid },
        },
      );
    }
    if (!uid && !state) {
      throw new ValidationError(
        `put of a ${target.state_model_name} ref needs a record or a state; it has neither`,
        {
          extra: { model: target.state_model_name, store: this.uid },
        },
      );
    }
    const existingUid = uid;
    const outcome = await this.#run('write', async (tx) => {
      const writer = new Writer(this, tx, mode);
      if (existingUid) {
        const model = (await tx.getModels([existingUid])).get(existingUid);
        if (model === undefined) throw this.#notFound(existingUid, target.state_model_name);
        if (state) await writer.overwrite({ uid: existingUid, model }, state);
        return { key: { uid: existingUid, model }, created: writer.created };
      }
      const key = await writer.create(state!, target.guid);
      return { key, created: writer.created };
    });
    let guid: string | null = null;
    if (guidMap) {
      for (const created of outcome.created) await guidMap.link(created.guid, this.uid, created.uid);
      guid = existingUid ? await guidMap.getGuid(this.uid, existingUid) : null;
      if (existingUid && !guid && target.guid) {
        await guidMap.link(target.guid, this.uid, existingUid);
        guid = target.guid;
      }
      guid ??= outcome.created.find((c) => c.uid === outcome.key.uid)?.guid ?? null;
    }
    return this.#makeRef(outcome.key.uid, outcome.key.model, null, guid);
  }

  /** @internal Used by the writer to delete a composition tree. */
  async #deleteTree(
    tx: StorageTransaction,
    uid: string,
    seen: Set<string>,
    removed: string[],
  ): Promise<void> {
    if (seen.has(uid)) return;
    seen.add(uid);
    const model = (await tx.getModels([uid])).get(uid);
    if (model === undefined) return;
    const compositionFields = this.#fieldsOfKind(model, 'composition');
    if (compositionFields.length > 0) {
      for (const field of compositionFields) {
        for (const link of await tx.readLinks(uid, field))
          await this.#deleteTree(tx, link.target.uid, seen, removed);
      }
    }
    await tx.removeIncomingLinks(uid);
    await tx.deleteRecord(uid);
    removed.push(uid);
  }

  // --- reads ----------------------------------------------------------------------------

  async #readState(tx: StorageTransaction, uid: string, expectedModel: string): Promise<AnyState> {
    const record = await tx.readRecord(uid);
    if (!record) throw this.#notFound(uid, expectedModel);
    const model = this.registry.get(record.model);
    const state: AnyState = { model_name: record.model, ...record.fields };
    let linksByField: Map<string, Ref[]> | null = null;
    for (const [field, info] of fieldsOf(model)) {
      if (info.kind === 'association' || info.kind === 'aggregation' || info.kind === 'composition') {
        if (!linksByField) {
          linksByField = new Map();
          for (const link of await tx.readLinks(uid)) {
            const list = linksByField.get(link.field) ?? [];
            linksByField.set(link.field, list);
            list.push(this.#makeRef(link.target.uid, link.target.model, null, null));
          }
        }
        state[field] = linksByField.get(field) ?? [];
      } else if (info.kind === 'backref') {
        const sources = this.registry.subModelNames(info.target());
        const incoming = await tx.readIncomingLinks(uid, [info.field]);
        state[field] = incoming
          .filter((link) => sources.includes(link.source.model))
          .map((link) => this.#makeRef(link.source.uid, link.source.model, null, null));
      }
    }
    return state;
  }

  // --- helpers --------------------------------------------------------------------------

  get #label(): string {
    return `'${this.name}' (${this.uid})`;
  }

  #assertAllowed(method: StoreMethod): void {
    if (!this.allowedMethods.has(method)) {
      throw new MethodNotAllowedError(`Store ${this.#label} does not support ${method}`, {
        extra: { store: this.uid, method },
      });
    }
  }

  /** @internal */
  checkStoreOf(ref: Ref, where: string): void {
    const store = ref.record?.store;
    if (store && store.uid.toLowerCase() !== this.uid) {
      throw new WrongStoreError(
        `${where}: the ${ref.state_model_name} ref ${ref.record?.uid} belongs to store ${store.name ? `'${store.name}' ` : ''}(${store.uid}), not to store ${this.#label}`,
        {
          extra: { store: this.uid, ref_store: store.uid, uid: ref.record?.uid, model: ref.state_model_name },
        },
      );
    }
  }

  #checkRef(ref: Ref, method: StoreMethod): Ref {
    if (!(ref instanceof Ref) && (typeof ref !== 'object' || ref === null)) {
      throw new ValidationError(`${method} expects a Ref, received ${JSON.stringify(ref)}`, {
        extra: { store: this.uid },
      });
    }
    this.registry.get(ref.state_model_name);
    this.checkStoreOf(ref, method);
    return ref;
  }

  async #requireUid(ref: Ref, method: StoreMethod): Promise<string> {
    if (ref.record) return ref.record.uid;
    if (ref.guid) {
      if (!this.#guidMap) {
        throw new ValidationError(
          `${method}: store ${this.#label} has no guid map, so a ref with only a guid cannot be resolved`,
        );
      }
      const uid = await this.#guidMap.getRecordUid(ref.guid, this.uid);
      if (!uid) {
        throw new RecordNotFoundError(
          `No ${ref.state_model_name} with guid ${ref.guid} in store ${this.#label}`,
          {
            extra: { store: this.uid, guid: ref.guid, model: ref.state_model_name },
          },
        );
      }
      return uid;
    }
    throw new ValidationError(
      `${method} needs a ref with a record (or a guid); this ${ref.state_model_name} ref has none`,
      {
        extra: { store: this.uid, model: ref.state_model_name },
      },
    );
  }

  /** @internal Validates a state carried by a ref to a `stateModelName`. */
  validate(state: AnyState, stateModelName: string): AnyState {
    return this.#validate(state, stateModelName);
  }

  #validate(state: AnyState, stateModelName: string): AnyState {
    const model = this.registry.get(state.model_name ?? stateModelName);
    const declared = this.registry.get(stateModelName);
    if (!model.isSubModelOf(declared)) {
      throw new ValidationError(`A ref to a ${stateModelName} carries a ${model.modelName} state`, {
        extra: { model: stateModelName, state_model: model.modelName },
      });
    }
    return model.parse(state);
  }

  #checkWhere(model: AnyStateModel, where: Record<string, unknown> | undefined): WhereClause | undefined {
    if (!where) return undefined;
    const out: WhereClause = {};
    for (const [field, value] of Object.entries(where)) {
      if (value === undefined) continue;
      if (model.fields[field]?.kind !== 'static') {
        throw new ValidationError(
          `Cannot query ${model.modelName} by '${field}': only static fields can be compared`,
          {
            extra: { model: model.modelName, field },
          },
        );
      }
      out[field] = toJson(value);
    }
    return out;
  }

  #fieldsOfKind(model: string, kind: FieldInfo['kind']): string[] {
    const out: string[] = [];
    for (const [field, info] of fieldsOf(this.registry.get(model))) if (info.kind === kind) out.push(field);
    return out;
  }

  /** @internal */
  notFound(uid: string, model: string, detail?: string): RecordNotFoundError {
    return this.#notFound(uid, model, detail);
  }

  #notFound(uid: string, model: string, detail?: string): RecordNotFoundError {
    return new RecordNotFoundError(
      `${detail ? `${detail}: ` : ''}no ${model} record with uid ${uid} in store ${this.#label}`,
      { extra: { store: this.uid, uid, model } },
    );
  }

  /** @internal */
  deleteTree(tx: StorageTransaction, uid: string, seen: Set<string>, removed: string[]): Promise<void> {
    return this.#deleteTree(tx, uid, seen, removed);
  }

  #makeRef(uid: string, model: string, state: AnyState | null, guid: string | null): RefTo {
    return new Ref({
      record: { store: this.info, uid, url: null },
      guid,
      state,
      state_model_name: model,
    }) as RefTo;
  }

  /** Gives the refs inside a state's relationship and backref lists their guids (refs carry guids everywhere). */
  async #addGuids(state: AnyState): Promise<void> {
    const guidMap = this.#guidMap;
    if (!guidMap) return;
    for (const [field, info] of fieldsOf(this.registry.get(state.model_name))) {
      if (info.kind === 'static' || info.kind === 'dynamic') continue;
      for (const item of (state[field] as Ref[] | undefined) ?? []) {
        if (item.record) item.guid = await guidMap.getGuid(this.uid, item.record.uid);
      }
    }
  }

  async #guidOf(uid: string): Promise<string | null> {
    return this.#guidMap ? this.#guidMap.getGuid(this.uid, uid) : null;
  }

  /** @internal The guid map, for the writer. */
  get guids(): GuidMap | null {
    return this.#guidMap;
  }

  async #run<T>(mode: 'read' | 'write', work: (tx: StorageTransaction) => Promise<T>): Promise<T> {
    try {
      return await this.driver.transaction(mode, work);
    } catch (error) {
      if (isConsteliteError(error)) throw error;
      throw new StoreFaultError(
        `Store ${this.#label} failed: ${error instanceof Error ? error.message : String(error)}`,
        {
          cause: error,
          extra: { store: this.uid },
        },
      );
    }
  }
}

/** Applies one put or patch inside a transaction. A new writer is made for every attempt. */
class Writer {
  readonly created: { uid: string; guid: string }[] = [];

  constructor(
    private readonly store: Store,
    private readonly tx: StorageTransaction,
    private readonly mode: WriteMode,
  ) {}

  /** Creates a record from `state` (and the records its relationships carry), returning its key. */
  async create(state: AnyState, guid: string | null): Promise<RecordKey> {
    const model = this.store.registry.get(state.model_name);
    const key: RecordKey = { uid: randomUUID(), model: model.modelName };
    const fields: Record<string, JsonValue> = {};
    const relationships: [string, Ref[]][] = [];
    for (const [field, info] of fieldsOf(model)) {
      const value = state[field];
      if (value === undefined || value === null) continue;
      if (info.kind === 'static') fields[field] = toJson(value);
      else if (info.kind === 'dynamic')
        fields[field] = normaliseSeries(value as Series) as unknown as JsonValue;
      else if (info.kind !== 'backref') relationships.push([field, value as Ref[]]);
    }
    await this.tx.createRecord({ ...key, fields });
    if (this.store.guids) this.created.push({ uid: key.uid, guid: guid ?? randomUUID() });
    for (const [field, refs] of relationships) {
      await this.tx.addLinks(key, field, await this.resolveTargets(model, field, refs));
    }
    return key;
  }

  /** Writes `state` onto the existing record `key` with the put or patch rules. */
  async overwrite(key: RecordKey, state: AnyState): Promise<void> {
    const recordModel = this.store.registry.get(key.model);
    const stateModel = this.store.registry.get(state.model_name);
    if (!recordModel.isSubModelOf(stateModel)) {
      throw new ValidationError(
        `Cannot ${this.mode} a ${state.model_name} state onto record ${key.uid}, which is a ${key.model}`,
        { extra: { store: this.store.uid, uid: key.uid, model: key.model, state_model: state.model_name } },
      );
    }
    const fields: Record<string, JsonValue> = {};
    let current: Record<string, JsonValue> | null = null;
    for (const [field, info] of fieldsOf(stateModel)) {
      const value = state[field];
      if (value === undefined || value === null) continue;
      switch (info.kind) {
        case 'static':
          fields[field] = toJson(value);
          break;
        case 'dynamic': {
          if (this.mode === 'put') {
            fields[field] = normaliseSeries(value as Series) as unknown as JsonValue;
          } else {
            current ??= (await this.tx.readRecord(key.uid))?.fields ?? {};
            const existing = (current[field] as unknown as Series | undefined)?.points ?? [];
            fields[field] = normaliseSeries({
              points: [...existing, ...(value as Series).points],
            }) as unknown as JsonValue;
          }
          break;
        }
        case 'association':
        case 'aggregation':
        case 'composition':
          await this.writeRelationship(key, stateModel, field, info.kind, value as Ref[]);
          break;
        case 'backref':
          break;
      }
    }
    if (Object.keys(fields).length > 0) await this.tx.writeFields(key.uid, fields);
  }

  private async writeRelationship(
    owner: RecordKey,
    model: AnyStateModel,
    field: string,
    kind: RelationshipKind,
    refs: Ref[],
  ): Promise<void> {
    const targets = await this.resolveTargets(model, field, refs);
    const replace = this.mode === 'put' || kind === 'association';
    if (!replace) {
      await this.tx.addLinks(owner, field, targets);
      return;
    }
    const previous = kind === 'composition' ? await this.tx.readLinks(owner.uid, field) : [];
    await this.tx.removeLinks(owner.uid, field);
    await this.tx.addLinks(owner, field, targets);
    if (previous.length > 0) {
      const kept = new Set(targets.map((target) => target.uid));
      const seen = new Set<string>([owner.uid]);
      const removed: string[] = [];
      for (const link of previous) {
        if (!kept.has(link.target.uid)) await this.store.deleteTree(this.tx, link.target.uid, seen, removed);
      }
      const guids = this.store.guids;
      if (guids) for (const uid of removed) await guids.unlink(this.store.uid, uid);
    }
  }

  /** Turns the refs of a relationship into record keys: links are checked, new states created. */
  private async resolveTargets(model: AnyStateModel, field: string, refs: Ref[]): Promise<RecordKey[]> {
    const info = model.fields[field] as { target: () => AnyStateModel };
    const target = info.target();
    const where = `${model.modelName}.${field}`;
    const linked: string[] = [];
    for (const ref of refs) {
      this.store.checkStoreOf(ref, where);
      if (ref.record) linked.push(ref.record.uid);
    }
    const models = linked.length > 0 ? await this.tx.getModels(linked) : new Map<string, string>();
    const keys: RecordKey[] = [];
    for (const ref of refs) {
      let uid = ref.record?.uid ?? null;
      if (!uid && ref.guid && this.store.guids)
        uid = await this.store.guids.getRecordUid(ref.guid, this.store.uid);
      if (uid) {
        const found = models.get(uid) ?? (await this.tx.getModels([uid])).get(uid);
        if (found === undefined)
          throw this.store.notFound(uid, ref.state_model_name, `${where} links to a missing record`);
        if (!this.store.registry.get(found).isSubModelOf(target)) {
          throw new ValidationError(
            `${where} accepts ${target.modelName} records; record ${uid} is a ${found}`,
            {
              extra: { model: model.modelName, field, uid, store: this.store.uid },
            },
          );
        }
        keys.push({ uid, model: found });
      } else if (ref.state) {
        // A Ref instance inside a list passes the owner's schema as it is, so its state is checked here.
        keys.push(await this.create(this.store.validate(ref.state, ref.state_model_name), ref.guid));
      } else {
        throw new ValidationError(
          `${where}: a ref to a ${ref.state_model_name} has neither a record nor a state`,
          {
            extra: { model: model.modelName, field, store: this.store.uid },
          },
        );
      }
    }
    return keys;
  }
}

const fieldLists = new WeakMap<AnyStateModel, readonly (readonly [string, FieldInfo])[]>();

/** The fields of a model as a list, computed once per model (every read and write walks it). */
function fieldsOf(model: AnyStateModel): readonly (readonly [string, FieldInfo])[] {
  let fields = fieldLists.get(model);
  if (!fields) {
    fields = Object.entries(model.fields);
    fieldLists.set(model, fields);
  }
  return fields;
}

interface Series {
  points: TimePoint[];
}

/** Orders points by timestamp; a later point with the same timestamp replaces an earlier one. */
function normaliseSeries(series: Series): Series {
  const byTimestamp = new Map<number, TimePoint>();
  for (const point of series.points)
    byTimestamp.set(point.timestamp, { timestamp: point.timestamp, value: toJson(point.value) });
  return { points: [...byTimestamp.values()].sort((a, b) => a.timestamp - b.timestamp) };
}

/** Plain JSON of a static value (refs and class instances become their JSON form). */
function toJson(value: unknown): JsonValue {
  if (value === null || typeof value !== 'object') return value as JsonValue;
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
