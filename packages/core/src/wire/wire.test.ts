import { inspect } from 'node:util';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  isConsteliteError,
  isRef,
  type RefTo,
  ref,
  refOf,
  refOfModelName,
  resolveRef,
  type StateOf,
  stateModel,
} from '../index.js';
import { endpointNames, endpoints, formatIssues, jobSchema, refBodySchema, refSchema } from './index.js';

const Creature = stateModel('WireCreature', { name: z.string(), pet: z.unknown() });
const Cat = Creature.extend('WireCat', { lives: z.number().int() });
const Dog = stateModel('WireDog', { name: z.string() });
const Owner = stateModel('WireOwner', { favourite: Creature.schema });
type Cat = StateOf<typeof Cat>;

const STORE = { uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' };
const record = (uid = 'be4fab6b-98cd-4ed4-b34e-8ae7cf1c93f2') => ({ store: STORE, uid, url: null });

function rejection(fn: () => unknown): { code?: string; message: string } {
  try {
    fn();
  } catch (error) {
    return error as { code?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('the endpoint table', () => {
  it('names every endpoint once, with a path, a read/write kind and a summary; exact paths route before prefixes', () => {
    const paths = endpointNames.map((name) => endpoints[name].path);
    expect(new Set(paths).size).toBe(paths.length);
    const firstPrefix = endpointNames.findIndex((name) => endpoints[name].match === 'prefix');
    expect(endpointNames.slice(firstPrefix).every((name) => endpoints[name].match === 'prefix')).toBe(true);
    for (const name of endpointNames) {
      expect(['read', 'write']).toContain(endpoints[name].kind);
      expect(endpoints[name].summary.length).toBeGreaterThan(10);
    }
    expect(endpoints['store.get'].kind).toBe('read');
    expect(endpoints['store.put'].kind).toBe('write');
  });
});

describe('wire envelopes', () => {
  it('reject an unknown or look-alike key in a ref, its record and its store, naming the key', () => {
    const lookalike = { record: record(), stаtе: { model_name: 'WireCat' }, state_model_name: 'WireCat' };
    expect(formatIssues(refSchema.safeParse(lookalike).error ?? { issues: [] })).toContain('stаtе');
    const hidden = JSON.parse(
      '{"record": null, "state_model_name": "WireCat", "__proto__": {"state": {"model_name": "WireCat"}}}',
    );
    expect(refSchema.safeParse(hidden).success).toBe(false);
    expect(
      refSchema.safeParse({ record: { ...record(), extra: 1 }, state_model_name: 'WireCat' }).success,
    ).toBe(false);
    expect(
      refBodySchema.safeParse({ ref: { state_model_name: 'WireCat' }, store: { uid: STORE.uid, x: 1 } })
        .success,
    ).toBe(false);
  });

  it('accept the store and record the Python client sends (model_name members, null url)', () => {
    const python = {
      record: {
        store: { ...STORE, model_name: 'StoreModel' },
        uid: record().uid,
        url: null,
        model_name: 'StoreRecord',
      },
      guid: null,
      state: null,
      state_model_name: 'WireCat',
      model_name: 'Ref',
    };
    expect(refSchema.safeParse(python).success).toBe(true);
  });

  it('reject a record uid that cannot be a uid and a guid that is not a version-4 UUID', () => {
    for (const uid of ['', ' x', 'a\u0000b']) {
      expect(refSchema.safeParse({ record: record(uid), state_model_name: 'WireCat' }).success).toBe(false);
    }
    for (const guid of [
      'q',
      '00000000-0000-0000-0000-000000000000',
      'e2c5a3d0-3f5b-11ee-be56-0242ac120002',
    ]) {
      expect(refSchema.safeParse({ guid, state_model_name: 'WireCat' }).success).toBe(false);
    }
    expect(
      refSchema.safeParse({ guid: '9b2f7c4e-0d1a-4c3b-8e5f-6a7b8c9d0e1f', state_model_name: 'WireCat' })
        .success,
    ).toBe(true);
  });

  it('a job keeps members newer than the three Python statuses', () => {
    const job = {
      model_name: 'Job',
      uid: 'u',
      status: 'failed',
      result: null,
      error: 'x',
      error_code: 'JOB_CANCELLED',
    };
    expect(jobSchema.parse(job)).toMatchObject({ error_code: 'JOB_CANCELLED' });
    expect(jobSchema.safeParse({ ...job, status: 'cancelled' }).success).toBe(false);
  });
});

describe('states from the wire', () => {
  it('an unknown field whose value is null means "not given" and is dropped; one with a value is rejected, naming it', () => {
    expect(Cat.parse({ model_name: 'WireCat', name: 'Tom', whiskers: null })).toEqual({
      model_name: 'WireCat',
      name: 'Tom',
    });
    const error = rejection(() => Cat.parse({ model_name: 'WireCat', whiskers: 12 }));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('whiskers');
  });

  it('a top-level __proto__ key in a state is rejected as an unknown field, never silently dropped', () => {
    const json = JSON.parse(
      '{"record": null, "state_model_name": "WireCat", "state": {"model_name": "WireCat", "__proto__": {"lives": 9}}}',
    );
    const error = rejection(() => resolveRef(json));
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('__proto__');
  });

  it('a place typed with a parent model accepts a sub-model state and resolves it to the sub-model', () => {
    const owner = Owner.parse({ favourite: { model_name: 'WireCat', name: 'Tom', lives: 9 } });
    expect(owner.favourite).toEqual({ model_name: 'WireCat', name: 'Tom', lives: 9 });
    const wrong = rejection(() => Owner.parse({ favourite: { model_name: 'WireDog', name: 'Rex' } }));
    expect(wrong.message).toContain("expected 'WireCreature'");
    const invalid = rejection(() => Owner.parse({ favourite: { model_name: 'WireCat', lives: 'nine' } }));
    expect(invalid.message).toContain('lives');
  });

  it('a ref to a parent model may carry a sub-model state, never a state of an unrelated model', () => {
    const resolved = resolveRef({
      state: { model_name: 'WireCat', lives: 3 },
      state_model_name: 'WireCreature',
    });
    expect(resolved.state).toEqual({ model_name: 'WireCat', lives: 3 });
    const error = rejection(() =>
      resolveRef({ state: { model_name: 'WireDog' }, state_model_name: 'WireCat' }),
    );
    expect(error.code).toBe('VALIDATION_FAILED');
  });
});

describe('refs', () => {
  it('ref(Model, { uid, store }) points at an existing record without building the Ref by hand', () => {
    const pointer = ref(Cat, { uid: 'c1', store: { uid: STORE.uid } });
    expect(pointer.toJSON()).toEqual({
      record: { store: { uid: STORE.uid, name: null }, uid: 'c1', url: null },
      guid: null,
      state: null,
      state_model_name: 'WireCat',
      model_name: 'Ref',
    });
    expectTypeOf(pointer).toEqualTypeOf<RefTo<Cat>>();
    expect(rejection(() => ref(Cat, {} as never)).code).toBe('VALIDATION_FAILED');
  });

  it('print readably in Node through the inspect symbol, without importing node:util', () => {
    expect(inspect(ref(Cat({ name: 'Tom' })))).toContain("state=WireCat(model_name='WireCat', name='Tom')");
  });
});

describe('refOf(Model)', () => {
  const args = z.object({ cat: refOf(Cat), herd: z.array(refOf(Creature)).optional() });

  it('accepts the Ref JSON of the model or a sub-model and gives a typed Ref with a validated state', () => {
    const parsed = args.parse({
      cat: { record: record(), state: { model_name: 'WireCat', lives: 9 }, state_model_name: 'WireCat' },
      herd: [ref(Cat({ lives: 1 })), { record: record('c2'), state_model_name: 'WireCat' }],
    });
    expect(isRef(parsed.cat)).toBe(true);
    expect(parsed.cat.lives).toBe(9);
    expect(parsed.herd).toHaveLength(2);
    expectTypeOf(parsed.cat).toEqualTypeOf<RefTo<Cat>>();
  });

  it('rejects a ref to another model and a bad state, naming the argument', () => {
    const other = args.safeParse({ cat: { record: record(), state_model_name: 'WireDog' } });
    expect(formatIssues(other.error ?? { issues: [] })).toMatch(
      /field 'cat': expected a ref to a WireCat, received a ref to a WireDog/,
    );
    const bad = args.safeParse({
      cat: { state: { model_name: 'WireCat', lives: 'x' }, state_model_name: 'WireCat' },
    });
    expect(formatIssues(bad.error ?? { issues: [] })).toContain("field 'cat'");
    const parent = args.safeParse({ cat: { record: record(), state_model_name: 'WireCreature' } });
    expect(parent.success).toBe(false);
  });

  it('carries the model name for the API reference', () => {
    expect(refOfModelName(refOf(Dog))).toBe('WireDog');
    expect(refOfModelName(z.string())).toBeUndefined();
    expect(
      isConsteliteError(
        rejection(() => Dog.parse({ model_name: 'WireCat' })),
        'VALIDATION_FAILED',
      ),
    ).toBe(true);
  });
});

describe('one validation pass', () => {
  it('a state a model produced counts as parsed until one of its fields changes', async () => {
    const { isParsedState } = await import('../index.js');
    const state = Cat({ name: 'Tom', lives: 9 });
    expect(isParsedState(state)).toBe(true);
    expect(isParsedState({ ...state })).toBe(false);
    const pointer = ref(state);
    pointer.lives = 1.5;
    expect(isParsedState(state)).toBe(false);
    const other = Cat({ name: 'Tom' });
    (other as Record<string, unknown>).extra = 1;
    expect(isParsedState(other)).toBe(false);
  });
});
