import {
  isConsteliteError,
  type ProtocolArgs,
  type ProtocolResult,
  type RefJSON,
  type RefTo,
  ref,
  refOf,
  type StateOf,
  stateModel,
} from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConsteliteAPI, consoleLogger, protocol } from './index.js';

const Cat = stateModel('RefsCat', { name: z.string(), lives: z.number().int() });
const Kitten = Cat.extend('RefsKitten', { age: z.number().int() });
const Dog = stateModel('RefsDog', { name: z.string() });
type Cat = StateOf<typeof Cat>;

const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';

const rename = protocol(
  { name: 'Rename a cat', args: { cat: refOf(Cat), name: z.string() }, returns: refOf(Cat) },
  async ({ api, args }) => {
    const current = await api.getState(args.cat);
    current.name = args.name;
    return api.getStore(STORE_UID).patch(current);
  },
);
const store_cat = protocol(
  { name: 'Store a cat', args: { name: z.string() }, returns: Cat.schema },
  async ({ api, args }) => api.getStore(STORE_UID).put(ref(Cat({ name: args.name, lives: 9 }))),
);
const litter = protocol(
  { name: 'Litter', args: { size: z.number().int() }, returns: z.array(Cat.schema) },
  ({ args }) => Array.from({ length: args.size }, (_, i) => Cat({ name: `kitten ${i}` })),
);
const wrong_ref = protocol(
  { name: 'Wrong ref', args: {}, returns: refOf(Cat) },
  async ({ api }) => api.getStore(STORE_UID).put(ref(Dog({ name: 'Rex' }))) as never,
);

function makeAPI(temporary: boolean) {
  const lines: string[] = [];
  const store = new MemoryStore({ uid: STORE_UID, name: 'Memory store' });
  const temporaryStore = temporary ? new MemoryStore({ name: 'Temp store' }) : undefined;
  const api = new ConsteliteAPI({
    name: 'Refs',
    stores: [store],
    ...(temporaryStore ? { temporaryStore } : {}),
    loggers: { default: consoleLogger({ write: (line) => lines.push(line) }) },
  });
  api.discoverModels({ Cat, Kitten, Dog });
  api.discoverProtocols({ rename, store_cat, litter, wrong_ref });
  return { api, store, temporaryStore, lines };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('refs as protocol arguments and results', () => {
  it('refOf(Cat) gives the protocol a typed Ref; a returned Ref is answered as it is', async () => {
    const { api, store } = makeAPI(false);
    const saved = await store.put(ref(Kitten({ name: 'Tom', lives: 9, age: 1 })));
    const answer = (await api.runProtocol('rename', { cat: saved.toJSON(), name: 'Tommy' })) as RefJSON;
    expect(answer).toMatchObject({
      record: { uid: saved.uid, store: { uid: STORE_UID } },
      model_name: 'Ref',
    });
    expect((await store.get(saved)).name).toBe('Tommy');
  });

  it('a ref of another model is VALIDATION_FAILED naming the argument', async () => {
    const { api, store } = makeAPI(false);
    const dog = await store.put(ref(Dog({ name: 'Rex' })));
    const error = await failure(api.runProtocol('rename', { cat: dog.toJSON(), name: 'x' }));
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(
      /field 'cat': expected a ref to a RefsCat, received a ref to a RefsDog/,
    );
  });

  it('returns: Model.schema with the Ref of a record the protocol stored answers that Ref, not WRONG_STORE, and puts nothing again', async () => {
    const { api, store, temporaryStore } = makeAPI(true);
    const answer = (await api.runProtocol('store_cat', { name: 'Tom' })) as RefJSON;
    expect(answer.record?.store.uid).toBe(STORE_UID);
    expect(await store.query({ model: Cat })).toHaveLength(1);
    expect(await temporaryStore?.query({ model: Cat })).toHaveLength(0);
  });

  it('a returned list of states becomes a list of refs into the temporary store', async () => {
    const { api, temporaryStore } = makeAPI(true);
    const answer = (await api.runProtocol('litter', { size: 3 })) as RefJSON[];
    expect(answer).toHaveLength(3);
    expect(answer.every((item) => item.record?.store.uid === temporaryStore?.uid)).toBe(true);
  });

  it('without a temporary store a returned state is answered as a Ref carrying the state', async () => {
    const { api } = makeAPI(false);
    const [first] = (await api.runProtocol('litter', { size: 1 })) as RefJSON[];
    expect(first).toMatchObject({ record: null, state: { model_name: 'RefsCat', name: 'kitten 0' } });
  });

  it('returning a ref of another model than declared is the protocol failing (500), logged with the protocol path', async () => {
    const { api, lines } = makeAPI(false);
    const error = await failure(api.runProtocol('wrong_ref', {}));
    expect(error).toMatchObject({ code: 'PROTOCOL_FAILED', status: 500, extra: { protocol: 'wrong_ref' } });
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'error', protocol: 'wrong_ref', code: 'PROTOCOL_FAILED' }),
    );
  });

  it('types: refOf(Cat) and Cat.schema both arrive as RefTo<Cat>, lists as lists of them', () => {
    expectTypeOf<ProtocolResult<typeof rename>>().toEqualTypeOf<RefTo<Cat>>();
    expectTypeOf<ProtocolResult<typeof store_cat>>().toEqualTypeOf<RefTo<Cat>>();
    expectTypeOf<ProtocolResult<typeof litter>>().toEqualTypeOf<RefTo<Cat>[]>();
    expectTypeOf<ProtocolArgs<typeof rename>['cat']>().toExtend<RefJSON<Cat> | RefTo<Cat>>();
  });
});
