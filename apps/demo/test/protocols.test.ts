import { isConsteliteError, Ref, type RefTo, ref } from '@constelite/core';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { Cat, type Human } from '../src/models.js';
import { inProcessClient, store, testApi } from './helpers.js';

describe('protocols through the client', () => {
  it('a protocol taking a Cat ref answers a typed Human ref; twice leaves one carer; a ref of another model is refused', async () => {
    const client = inProcessClient(testApi().api);
    const cat = await client.store.put({ ref: ref(Cat({ name: 'Snowball' })), store });
    const carer = await client.protocols.give_cat_a_carer({ cat, carer_name: 'Ann' });
    expectTypeOf(carer).toEqualTypeOf<RefTo<Human>>();
    expect(carer.state_model_name).toBe('Human');
    await client.protocols.give_cat_a_carer({ cat, carer_name: 'Ann' });
    const got = await client.store.get({ ref: cat });
    expect(got.carer?.map((r) => r.uid)).toEqual([carer.uid]);
    const wrong = await client.protocols
      .give_cat_a_carer({ cat: carer as never, carer_name: 'Bob' })
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect((wrong as Error).message).toContain("field 'cat'");
  });

  it('a protocol call answers its result: a number as it is, a state model as a Ref', async () => {
    const client = inProcessClient(testApi().api);
    expect(await client.protocols.test.add({ a: 2, b: 3 })).toBe(5);
    const adopted = await client.protocols.test.adopt({ name: 'Tom' });
    expect(adopted).toBeInstanceOf(Ref);
    expect(adopted.state_model_name).toBe('Cat');
    expect(adopted.name).toBe('Tom');
  });

  it('a protocol returning nothing answers null and logs to the API logger the call names', async () => {
    const { api, logs } = testApi();
    expect(
      await inProcessClient(api).protocols.hello_world(
        { name: 'Steve' },
        { logger: { name: 'default', kwargs: { request: 'r1' } } },
      ),
    ).toBeNull();
    expect(logs.map(({ line }) => JSON.parse(line))).toContainEqual(
      expect.objectContaining({ msg: 'Hello, Steve!', request: 'r1' }),
    );
  });

  it('arguments that fail validation are VALIDATION_FAILED (400) naming the field, and the protocol does not run', async () => {
    const { api, logs } = testApi();
    const error = await inProcessClient(api)
      .runProtocol('hello_world', { name: 42 })
      .catch((e: unknown) => e);
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect(error).toMatchObject({ status: 400 });
    expect((error as Error).message).toContain("field 'name'");
    expect(logs).toHaveLength(0);
  });

  it('a protocol that throws is PROTOCOL_FAILED (500) carrying the error message', async () => {
    const error = await inProcessClient(testApi().api)
      .protocols.test.explode()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'PROTOCOL_FAILED', status: 500, name: 'ProtocolFailedError' });
    expect((error as Error).message).toContain('the cat sat on the keyboard');
  });

  it('an unknown protocol path is a 404 and an unknown logger is UNKNOWN_LOGGER (400)', async () => {
    const client = inProcessClient(testApi().api);
    await expect(client.runProtocol('goodbye_world', {})).rejects.toMatchObject({ status: 404 });
    await expect(client.protocols.hello_world({ name: 'Steve' }, { logger: 'nope' })).rejects.toMatchObject({
      code: 'UNKNOWN_LOGGER',
      status: 400,
    });
  });
});

describe('jobs through the client', () => {
  it('a job is submitted, then succeeds with the result resolved (a state model as a Ref)', async () => {
    const client = inProcessClient(testApi().api);
    const job = await client.jobs.test.adopt({ name: 'Felix' });
    expect(job).toMatchObject({ model_name: 'Job', status: 'submitted', result: null, error: null });
    expect(job.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const done = await client.jobs.wait(job, { timeoutMs: 10_000, intervalMs: 5 });
    expect(done.status).toBe('success');
    expect(done.result).toBeInstanceOf(Ref);
    expect(done.result?.name).toBe('Felix');
    expect(await client.jobs.fetch({ job })).toMatchObject({ uid: job.uid, status: 'success' });
  });

  it('a job whose protocol throws ends failed with the error message', async () => {
    const client = inProcessClient(testApi().api);
    const done = await client.jobs.wait(await client.jobs.test.explode(), {
      timeoutMs: 10_000,
      intervalMs: 5,
    });
    expect(done).toMatchObject({ status: 'failed', result: null });
    expect(done.error).toContain('the cat sat on the keyboard');
  });

  it('a job with invalid arguments is refused before it starts (VALIDATION_FAILED)', async () => {
    const client = inProcessClient(testApi().api);
    await expect(client.startJob('test/add', { a: 'one' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      status: 400,
    });
  });

  it('fetching an unknown job uid is UNKNOWN_JOB (400)', async () => {
    const client = inProcessClient(testApi().api);
    await expect(client.jobs.fetch({ job: '0b8d1a3e-7d4c-4d7b-9a59-1d1f6a3b2c11' })).rejects.toMatchObject({
      code: 'UNKNOWN_JOB',
      status: 400,
    });
  });
});
