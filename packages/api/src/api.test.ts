import {
  association,
  isConsteliteError,
  type ProtocolArgs,
  type ProtocolResult,
  type RefTo,
  ref,
  stateModel,
} from '@constelite/core';
import { MemoryStore } from '@constelite/memory-store';
import { MemoryGuidMap } from '@constelite/store';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import { ConsteliteAPI, consoleLogger, type Job, type LogLevel, protocol } from './index.js';

const Owner = stateModel('ApiTestOwner', { name: z.string() });
const Pet = stateModel('ApiTestPet', { name: z.string(), owner: association(() => Owner) });
const Puppy = Pet.extend('ApiTestPuppy', { age: z.number().int() });

const STORE_UID = '5ef14649-fd40-40a0-a693-de36c855a181';

const lines: { line: string; level: LogLevel }[] = [];
const captured = consoleLogger({ level: 'debug', write: (line, level) => lines.push({ line, level }) });

const hello_world = protocol({ name: 'Hello world', args: { name: z.string() } }, ({ logger, args }) => {
  logger.info(`Hello, ${args.name}!`);
});
const make_pet = protocol({ name: 'Make pet', args: { name: z.string() }, returns: Pet.schema }, ({ args }) =>
  Pet({ name: args.name }),
);
const add = protocol(
  { name: 'Add', args: { a: z.number(), b: z.number() }, returns: z.number() },
  ({ args }) => args.a + args.b,
);
const explode = protocol({ name: 'Explode', args: {} }, () => {
  throw new Error('the cat sat on the keyboard');
});
const read_pet = protocol(
  { name: 'Read pet', args: { uid: z.string() }, returns: Pet.schema },
  async ({ api, args }) =>
    (
      await api.getState(
        ref(Pet({}), { record: { store: { uid: STORE_UID, name: null }, uid: args.uid, url: null } }),
      )
    ).state as z.input<typeof Pet.schema>,
);
const wrong_return = protocol(
  { name: 'Wrong return', args: {}, returns: z.number() },
  () => 'seven' as unknown as number,
);

function makeAPI(options: { temporary?: boolean; jobs?: { ttlMs?: number; maxFinished?: number } } = {}) {
  const store = new MemoryStore({ uid: STORE_UID, name: 'Memory store' });
  const temporaryStore = options.temporary ? new MemoryStore({ name: 'Temp store' }) : undefined;
  const api = new ConsteliteAPI({
    name: 'Alpha',
    stores: [store],
    ...(temporaryStore ? { temporaryStore } : {}),
    loggers: { captured },
    ...(options.jobs ? { jobs: options.jobs } : {}),
  });
  api.discoverModels({ Owner, nested: { Pet, Puppy } });
  api.discoverProtocols({
    hello_world,
    make_pet,
    add,
    explode,
    read_pet,
    wrong_return,
    cats: { deep: { add } },
  });
  return { api, store, temporaryStore };
}

async function settle(api: ConsteliteAPI, job: Job): Promise<Job> {
  for (let i = 0; i < 100; i++) {
    const current = await api.fetchJob(job.uid);
    if (current.status !== 'submitted') return current;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`job ${job.uid} never finished`);
}

async function failure(promise: Promise<unknown> | (() => unknown)): Promise<unknown> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    return error;
  }
  throw new Error('expected a failure');
}

describe('stores', () => {
  it('getStore(uid) returns the store with that uid', () => {
    const { api, store } = makeAPI();
    expect(api.getStore(STORE_UID)).toBe(store);
    expect(api.stores.get(STORE_UID)).toBe(store);
  });

  it('getStore(unknown uid) is UNKNOWN_STORE naming the uid', async () => {
    const { api } = makeAPI();
    const error = await failure(() => api.getStore('00000000-0000-4000-8000-000000000000'));
    expect(isConsteliteError(error, 'UNKNOWN_STORE')).toBe(true);
    expect((error as Error).message).toContain('00000000-0000-4000-8000-000000000000');
  });

  it('the temporary store is served like the other stores', () => {
    const { api, temporaryStore } = makeAPI({ temporary: true });
    expect(temporaryStore).toBeDefined();
    expect(api.getStore(temporaryStore?.uid ?? '')).toBe(temporaryStore);
  });

  it('two stores with one uid are rejected', () => {
    expect(
      () =>
        new ConsteliteAPI({
          name: 'x',
          stores: [new MemoryStore({ uid: STORE_UID }), new MemoryStore({ uid: STORE_UID })],
        }),
    ).toThrow(/share the uid/);
  });

  it('getState(ref) reads the record through its store', async () => {
    const { api, store } = makeAPI();
    const saved = await store.put(ref(Pet({ name: 'Snowball' })));
    const got = await api.getState(saved);
    expect(got.state).toMatchObject({ model_name: 'ApiTestPet', name: 'Snowball' });
  });

  it('enableGuid() turns guids on for every store, kept with its records; with a map, in that map', async () => {
    const { api, store } = makeAPI();
    api.enableGuid();
    expect(store.guidKeeping).toBe('driver');
    const saved = await store.put(ref(Pet({ name: 'Guido' })));
    expect(saved.guid).toMatch(/^[0-9a-f-]{36}$/);
    const map = new MemoryGuidMap();
    api.enableGuid(map);
    expect(store.guidMap).toBe(map);
    const mapped = await store.put(ref(Pet({ name: 'Mappo' })));
    expect(await map.getRecordUid(mapped.guid!, store.uid)).toBe(mapped.record?.uid);
  });
});

describe('discovery', () => {
  it('discoverModels registers models of nested namespaces', () => {
    const { api } = makeAPI();
    expect(api.models.map((m) => m.modelName).sort()).toEqual(['ApiTestOwner', 'ApiTestPet', 'ApiTestPuppy']);
  });

  it('discoverProtocols uses export keys as slugs and nested namespaces as path segments', () => {
    const { api } = makeAPI();
    expect([...api.protocols.keys()]).toContain('hello_world');
    expect(api.getProtocol('cats/deep/add')).toBe(add);
  });

  it('discoverProtocols(namespace, bindPath) serves under bindPath', () => {
    const { api } = makeAPI();
    api.discoverProtocols({ add }, '/maths/');
    expect(api.getProtocol('maths/add')).toBe(add);
  });

  it('an unknown protocol path is UNKNOWN_PROTOCOL', async () => {
    const { api } = makeAPI();
    const error = await failure(api.runProtocol('nope', {}));
    expect(isConsteliteError(error, 'UNKNOWN_PROTOCOL')).toBe(true);
    expect((error as Error).message).toContain("'nope'");
  });
});

describe('runProtocol', () => {
  it('returns the JSON-ready result', async () => {
    const { api } = makeAPI();
    expect(await api.runProtocol('add', { a: 2, b: 3 })).toBe(5);
  });

  it('a protocol returning nothing answers null', async () => {
    const { api } = makeAPI();
    expect(await api.runProtocol('hello_world', { name: 'Steve' }, { logger_name: 'captured' })).toBeNull();
    expect(JSON.parse(lines.at(-1)?.line ?? '{}')).toMatchObject({ level: 'info', msg: 'Hello, Steve!' });
  });

  it('validates arguments before the call: VALIDATION_FAILED naming the field', async () => {
    const { api } = makeAPI();
    const error = await failure(api.runProtocol('add', { a: 'two', b: 3 }));
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain("field 'a'");
  });

  it('a returned state model is answered as a Ref carrying the state without a temporary store', async () => {
    const { api } = makeAPI();
    const result = await api.runProtocol('make_pet', { name: 'Tom' });
    expect(result).toEqual({
      record: null,
      guid: null,
      state: { model_name: 'ApiTestPet', name: 'Tom' },
      state_model_name: 'ApiTestPet',
      model_name: 'Ref',
    });
  });

  it('a returned state model is put into the temporary store when one is configured', async () => {
    const { api, temporaryStore } = makeAPI({ temporary: true });
    const result = (await api.runProtocol('make_pet', { name: 'Tom' })) as {
      record: { store: { uid: string }; uid: string };
    };
    expect(result.record.store.uid).toBe(temporaryStore?.uid);
    const got = await api.getState(api.registry.resolveRef(result));
    expect(got.state).toMatchObject({ model_name: 'ApiTestPet', name: 'Tom' });
  });

  it('a protocol that throws fails with PROTOCOL_FAILED carrying the message and traceback', async () => {
    const { api } = makeAPI();
    const error = await failure(api.runProtocol('explode', {}));
    expect(isConsteliteError(error, 'PROTOCOL_FAILED')).toBe(true);
    expect((error as Error).message).toContain('the cat sat on the keyboard');
    expect((error as { extra: { traceback?: string } }).extra.traceback).toContain('Error');
  });

  it('a store error inside a protocol is the protocol failing (500, protocol path), keeping its code as extra.cause_code', async () => {
    const { api } = makeAPI();
    const error = await failure(api.runProtocol('read_pet', { uid: 'missing' }));
    expect(isConsteliteError(error, 'PROTOCOL_FAILED')).toBe(true);
    expect(error).toMatchObject({
      status: 500,
      extra: { protocol: 'read_pet', cause_code: 'RECORD_NOT_FOUND' },
    });
    expect((error as Error).message).toContain("Protocol 'read_pet' failed");
  });

  it('a return value that does not match `returns` is PROTOCOL_FAILED', async () => {
    const { api } = makeAPI();
    expect(isConsteliteError(await failure(api.runProtocol('wrong_return', {})), 'PROTOCOL_FAILED')).toBe(
      true,
    );
  });
});

describe('loggers', () => {
  it('an unknown logger name is UNKNOWN_LOGGER naming it', async () => {
    const { api } = makeAPI();
    const error = await failure(api.runProtocol('hello_world', { name: 'x' }, { logger_name: 'loud' }));
    expect(isConsteliteError(error, 'UNKNOWN_LOGGER')).toBe(true);
    expect((error as Error).message).toContain("'loud'");
  });

  it('logger_kwargs are bound to every line', async () => {
    const { api } = makeAPI();
    await api.runProtocol(
      'hello_world',
      { name: 'Kw' },
      { logger_name: 'captured', logger_kwargs: { request: 'r1' } },
    );
    expect(JSON.parse(lines.at(-1)?.line ?? '{}')).toMatchObject({ msg: 'Hello, Kw!', request: 'r1' });
  });

  it("a caller's logger_kwargs never overwrite a line's time, msg, level or the protocol path it carries", async () => {
    const { api } = makeAPI();
    await api.runProtocol(
      'hello_world',
      { name: 'Alice' },
      {
        logger_name: 'captured',
        logger_kwargs: { time: '1999-01-01T00:00:00Z', msg: 'forged', level: 'debug', protocol: 'other' },
      },
    );
    const line = JSON.parse(lines.at(-1)?.line ?? '{}') as Record<string, unknown>;
    expect(line.msg).toBe('Hello, Alice!');
    expect(line.time).not.toBe('1999-01-01T00:00:00Z');
    expect(line.level).toBe('info');
    expect(line.protocol).toBe('hello_world');
    const proto = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out: string[] = [];
    consoleLogger({ write: (text) => out.push(text) })(proto).info('hi');
    const parsed = JSON.parse(out[0] ?? '{}') as object;
    expect(Object.keys(parsed)).toContain('__proto__');
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
  });

  it('the default logger writes JSON lines', () => {
    const out: string[] = [];
    consoleLogger({ write: (line) => out.push(line) })({}).info('hi', { n: 1 });
    expect(JSON.parse(out[0] ?? '')).toMatchObject({ level: 'info', msg: 'hi', n: 1 });
  });

  it('lines below the level are dropped', () => {
    const out: string[] = [];
    const logger = consoleLogger({ level: 'warn', write: (line) => out.push(line) })({});
    logger.info('quiet');
    logger.error('loud');
    expect(out).toHaveLength(1);
  });
});

describe('jobs', () => {
  it('a job goes from submitted to success with the result', async () => {
    const { api } = makeAPI();
    const job = await api.startJob('add', { a: 1, b: 2 });
    expect(job).toMatchObject({ model_name: 'Job', status: 'submitted', result: null, error: null });
    expect(job.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await settle(api, job)).toMatchObject({ status: 'success', result: 3, error: null });
  });

  it('a job whose protocol throws ends failed with the error', async () => {
    const { api } = makeAPI();
    const done = await settle(api, await api.startJob('explode', {}));
    expect(done.status).toBe('failed');
    expect(done.error).toContain('the cat sat on the keyboard');
  });

  it('bad arguments fail startJob itself, before any job exists', async () => {
    const { api } = makeAPI();
    expect(isConsteliteError(await failure(api.startJob('add', { a: 1 })), 'VALIDATION_FAILED')).toBe(true);
  });

  it('an unknown job uid is UNKNOWN_JOB', async () => {
    const { api } = makeAPI();
    expect(isConsteliteError(await failure(() => api.fetchJob('nope')), 'UNKNOWN_JOB')).toBe(true);
  });

  it('finished jobs beyond maxFinished are forgotten, oldest first', async () => {
    const { api } = makeAPI({ jobs: { maxFinished: 2 } });
    const jobs: Job[] = [];
    for (let i = 0; i < 4; i++) jobs.push(await settle(api, await api.startJob('add', { a: i, b: 0 })));
    expect(isConsteliteError(await failure(() => api.fetchJob(jobs[0]?.uid ?? '')), 'UNKNOWN_JOB')).toBe(
      true,
    );
    expect((await api.fetchJob(jobs[3]?.uid ?? '')).result).toBe(3);
  });

  it('finished jobs older than ttlMs are forgotten', async () => {
    const { api } = makeAPI({ jobs: { ttlMs: 0 } });
    const job = await api.startJob('add', { a: 1, b: 1 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(isConsteliteError(await failure(() => api.fetchJob(job.uid)), 'UNKNOWN_JOB')).toBe(true);
  });
});

describe('types', () => {
  it('a protocol carries its argument and client result types', () => {
    expectTypeOf<ProtocolArgs<typeof add>>().toEqualTypeOf<{ a: number; b: number }>();
    expectTypeOf<ProtocolResult<typeof add>>().toEqualTypeOf<number>();
    expectTypeOf<ProtocolResult<typeof hello_world>>().toEqualTypeOf<void>();
    expectTypeOf<ProtocolResult<typeof make_pet>>().toEqualTypeOf<RefTo<z.output<typeof Pet.schema>>>();
    // @ts-expect-error a protocol must return what `returns` says
    protocol({ name: 'Bad', args: {}, returns: z.number() }, () => 'x');
    protocol({ name: 'Typed args', args: { n: z.number() } }, ({ args }) => {
      expectTypeOf(args).toEqualTypeOf<{ n: number }>();
    });
  });
});
