import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isConsteliteError, ModelRegistry, Ref, ref, stateModel } from '@constelite/core';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConsteliteClient } from './client.js';

const registry = new ModelRegistry();
const Toy = stateModel('Toy', { name: z.string().optional() }, { registry });
const STORE = { uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' };
const record = { store: STORE, uid: 'be4fab6b-98cd-4ed4-b34e-8ae7cf1c93f2', url: null };
const noDelay = { delay: () => 0 };

interface Seen {
  method: string;
  url: string;
  headers: Headers;
  body: unknown;
}

/** A fetch function standing in for an API: answers from `handler` and records every request. */
function fakeApi(handler: (request: Seen, attempt: number) => Response | Promise<Response>) {
  const seen: Seen[] = [];
  const fetch = async (request: Request) => {
    const text = await request.text();
    const entry = {
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: text ? JSON.parse(text) : undefined,
    };
    seen.push(entry);
    return handler(entry, seen.length);
  };
  return { seen, fetch };
}

const json = (body: unknown, status = 201) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
const refJSON = (state: Record<string, unknown> | null = null) => ({
  record,
  guid: null,
  state,
  state_model_name: 'Toy',
  model_name: 'Ref',
});
const notFound = () =>
  json(
    {
      detail: 'Record not found',
      code: 'RECORD_NOT_FOUND',
      status: 400,
      extra: { error_message: `Toy ${record.uid} is not in store Memory store`, uid: record.uid },
    },
    400,
  );

function client(fetch: (request: Request) => Promise<Response>, options: object = {}) {
  return new ConsteliteClient({ url: 'http://api.test/base', fetch, registry, token: null, ...options });
}

describe('URL and body building', () => {
  it('client.protocols.cats.herd_a_cat(args) posts {args, logger: null} to <url>/protocols/cats/herd_a_cat', async () => {
    const api = fakeApi(() => json(null));
    const answer = await client(api.fetch).protocols.cats?.herd_a_cat?.({ name: 'Snowball' });
    expect(answer).toBeNull();
    expect(api.seen).toHaveLength(1);
    expect(api.seen[0]).toMatchObject({
      method: 'POST',
      url: 'http://api.test/base/protocols/cats/herd_a_cat',
      body: { args: { name: 'Snowball' }, logger: null },
    });
    expect(api.seen[0]?.headers.get('content-type')).toBe('application/json');
  });

  it('a logger choice becomes {logger_name, logger_kwargs}', async () => {
    const api = fakeApi(() => json(null));
    await client(api.fetch).protocols.hello_world?.(
      {},
      { logger: { name: 'audit', kwargs: { level: 'debug' } } },
    );
    await client(api.fetch).protocols.hello_world?.({}, { logger: 'default' });
    expect(api.seen.map((s) => (s.body as { logger: unknown }).logger)).toEqual([
      { logger_name: 'audit', logger_kwargs: { level: 'debug' } },
      { logger_name: 'default', logger_kwargs: {} },
    ]);
  });

  it('store.put sends {ref, store} in the wire shape and answers a Ref resolved through the registry', async () => {
    const api = fakeApi(() => json(refJSON()));
    const saved = await client(api.fetch).store.put({
      ref: ref(Toy({ name: 'Ball' })),
      store: { uid: STORE.uid },
    });
    expect(api.seen[0]?.url).toBe('http://api.test/base/store/put');
    expect(api.seen[0]?.body).toEqual({
      ref: {
        record: null,
        guid: null,
        state: { model_name: 'Toy', name: 'Ball' },
        state_model_name: 'Toy',
        model_name: 'Ref',
      },
      store: { uid: STORE.uid, name: null },
    });
    expect(saved).toBeInstanceOf(Ref);
    expect(saved.uid).toBe(record.uid);
    expect(saved.state).toBeNull();
  });

  it('store.get resolves the state through its model, readable through the ref', async () => {
    const api = fakeApi(() => json(refJSON({ model_name: 'Toy', name: 'Ball' })));
    const got = await client(api.fetch).store.get({ ref: new Ref({ record, state_model_name: 'Toy' }) });
    expect(got.state).toEqual({ model_name: 'Toy', name: 'Ball' });
    expect((got as unknown as { name: string }).name).toBe('Ball');
  });

  it('store.query sends the query language: {where, order_by, limit, model_name, store, include_states}', async () => {
    const api = fakeApi(() => json([refJSON()]));
    const found = await client(api.fetch).store.query({
      model: Toy,
      where: { name: 'Ball' },
      orderBy: [{ field: 'name', direction: 'desc' }],
      limit: 5,
      store: STORE,
    });
    await client(api.fetch).store.query({ model: 'Toy', store: STORE, includeStates: true });
    expect(api.seen.map((s) => s.body)).toEqual([
      {
        where: { name: 'Ball' },
        order_by: [{ field: 'name', direction: 'desc' }],
        limit: 5,
        model_name: 'Toy',
        store: STORE,
        include_states: false,
      },
      { where: null, order_by: null, limit: null, model_name: 'Toy', store: STORE, include_states: true },
    ]);
    expect(found[0]?.uid).toBe(record.uid);
  });

  it('an answer naming a model the client does not know is UNKNOWN_MODEL, or untyped with force', async () => {
    const api = fakeApi(() =>
      json({ ...refJSON({ model_name: 'Robot', name: 'R2' }), state_model_name: 'Robot' }),
    );
    const at = { ref: new Ref({ record, state_model_name: 'Toy' }) };
    await expect(client(api.fetch).store.get(at)).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
    const forced = await client(api.fetch, { force: true }).store.get(at);
    expect(forced.state).toEqual({ model_name: 'Robot', name: 'R2' });
  });

  it('a protocol answering a ref or a list of states is resolved into a Ref and states', async () => {
    const api = fakeApi((seen) =>
      seen.url.endsWith('/one')
        ? json(refJSON({ model_name: 'Toy', name: 'Ball' }))
        : json([{ model_name: 'Toy', name: 'Car' }]),
    );
    const one = await client(api.fetch).protocols.one?.();
    const many = await client(api.fetch).protocols.many?.();
    expect(one).toBeInstanceOf(Ref);
    expect(many).toEqual([{ model_name: 'Toy', name: 'Car' }]);
  });
});

describe('bad input', () => {
  it('a url that is not an http(s) URL is a VALIDATION_FAILED error naming it', () => {
    for (const url of ['localhost:8001', 'not a url', 'ftp://api.test']) {
      expect(() => new ConsteliteClient({ url })).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED', message: expect.stringContaining(url) }),
      );
    }
  });

  it('calling client.protocols itself, or jobs.fetch without a job, is a VALIDATION_FAILED error and sends nothing', async () => {
    const api = fakeApi(() => json(null));
    const c = client(api.fetch);
    await expect((c.protocols as unknown as () => Promise<unknown>)()).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(c.jobs.fetch({ job: undefined as unknown as string })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(c.runProtocol('/', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(c.runProtocol('../store/delete', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(api.seen).toHaveLength(0);
  });
});

describe('authorization', () => {
  afterEach(() => {
    delete process.env.CONSTELITE_TOKEN;
  });

  it('token sends Authorization: Bearer <token>; it defaults to CONSTELITE_TOKEN; null sends none', async () => {
    const api = fakeApi(() => json(null));
    await client(api.fetch, { token: 's3cret' }).protocols.p?.();
    process.env.CONSTELITE_TOKEN = 'from-env';
    await new ConsteliteClient({ url: 'http://api.test', fetch: api.fetch }).protocols.p?.();
    await new ConsteliteClient({ url: 'http://api.test', fetch: api.fetch, token: null }).protocols.p?.();
    expect(api.seen.map((s) => s.headers.get('authorization'))).toEqual([
      'Bearer s3cret',
      'Bearer from-env',
      null,
    ]);
  });
});

describe('errors', () => {
  it('an error body is rebuilt into the typed error with status, code, detail and error_message', async () => {
    const api = fakeApi(notFound);
    const error = await client(api.fetch)
      .store.get({ ref: new Ref({ record, state_model_name: 'Toy' }) })
      .catch((e: unknown) => e);
    expect(isConsteliteError(error, 'RECORD_NOT_FOUND')).toBe(true);
    expect(error).toMatchObject({
      name: 'RecordNotFoundError',
      status: 400,
      detail: 'Record not found',
      message: `Toy ${record.uid} is not in store Memory store`,
      extra: { uid: record.uid },
    });
  });

  it('an answer that is not a Constelite error body keeps its status (HTTP_ERROR / INTERNAL_ERROR)', async () => {
    const api = fakeApi(
      (_, n) => new Response('<h1>nope</h1>', { status: n === 1 ? 404 : 502, statusText: 'Nope' }),
    );
    await expect(client(api.fetch).protocols.missing?.()).rejects.toMatchObject({
      code: 'HTTP_ERROR',
      status: 404,
    });
    await expect(client(api.fetch).protocols.missing?.()).rejects.toMatchObject({
      code: 'INTERNAL_ERROR',
      status: 502,
    });
  });

  it('a success body that is not JSON is INVALID_RESPONSE', async () => {
    const api = fakeApi(() => new Response('hello', { status: 201 }));
    await expect(client(api.fetch).protocols.p?.()).rejects.toMatchObject({ code: 'INVALID_RESPONSE' });
  });

  it('a server that does not answer in time is a NETWORK_ERROR naming the URL', async () => {
    const hang = (request: Request) =>
      new Promise<Response>((_, reject) =>
        request.signal.addEventListener('abort', () => reject(request.signal.reason)),
      );
    const error = await client(hang, { timeout: 20 })
      .protocols.slow?.()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'NETWORK_ERROR', name: 'NetworkError' });
    expect((error as Error).message).toContain('http://api.test/base/protocols/slow');
  });

  it('an unreachable server is a NETWORK_ERROR', async () => {
    const server = createServer();
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const { port } = server.address() as AddressInfo;
    await new Promise((done) => server.close(done));
    const unreachable = new ConsteliteClient({ url: `http://127.0.0.1:${port}`, token: null, retry: 0 });
    await expect(unreachable.protocols.p?.()).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
  });
});

describe('retry policy', () => {
  const flaky = (failures: number, success: () => Response) =>
    fakeApi((_, attempt) => (attempt <= failures ? json({ detail: 'busy' }, 503) : success()));
  const at = { ref: new Ref({ record, state_model_name: 'Toy' }) };

  it('reads (store.get, store.query, jobs.fetch) are retried on 503, up to the limit', async () => {
    const get = flaky(2, () => json(refJSON({ model_name: 'Toy' })));
    await client(get.fetch, { retry: noDelay }).store.get(at);
    expect(get.seen).toHaveLength(3);

    const query = flaky(1, () => json([]));
    await client(query.fetch, { retry: noDelay }).store.query({ model: Toy, store: STORE });
    expect(query.seen).toHaveLength(2);

    const job = {
      model_name: 'Job',
      uid: '0b8d1a3e-7d4c-4d7b-9a59-1d1f6a3b2c11',
      status: 'success',
      result: null,
      error: null,
    };
    const fetchJob = flaky(1, () => json(job));
    await client(fetchJob.fetch, { retry: noDelay }).jobs.fetch({ job: job.uid });
    expect(fetchJob.seen).toHaveLength(2);

    const tooFlaky = flaky(5, () => json([]));
    await expect(
      client(tooFlaky.fetch, { retry: { ...noDelay, limit: 1 } }).store.query({ model: Toy, store: STORE }),
    ).rejects.toMatchObject({ status: 503 });
    expect(tooFlaky.seen).toHaveLength(2);
  });

  it('writes (put, patch, delete) and protocol calls are never retried by default', async () => {
    const api = flaky(10, () => json(null));
    const c = client(api.fetch, { retry: { ...noDelay, limit: 5 } });
    const rejected = { status: 503 };
    await expect(c.store.put({ ref: ref(Toy({})), store: STORE })).rejects.toMatchObject(rejected);
    await expect(c.store.patch(at)).rejects.toMatchObject(rejected);
    await expect(c.store.delete(at)).rejects.toMatchObject(rejected);
    await expect(c.protocols.p?.()).rejects.toMatchObject(rejected);
    await expect(c.jobs.p?.()).rejects.toMatchObject(rejected);
    expect(api.seen).toHaveLength(5);
  });

  it('a protocol call retries only when the call asks for it', async () => {
    const api = flaky(1, () => json(null));
    await client(api.fetch).protocols.idempotent?.({}, { retry: { ...noDelay, limit: 1 } });
    expect(api.seen).toHaveLength(2);
  });

  it('an error the client caused (400) is not retried, even for reads', async () => {
    const api = fakeApi(notFound);
    await expect(client(api.fetch, { retry: noDelay }).store.get(at)).rejects.toMatchObject({
      code: 'RECORD_NOT_FOUND',
    });
    expect(api.seen).toHaveLength(1);
  });

  it('a network failure is retried for reads and not for writes', async () => {
    let calls = 0;
    const down = async () => {
      calls++;
      throw new TypeError('fetch failed');
    };
    const c = client(down, { retry: { ...noDelay, limit: 2 } });
    await expect(c.store.get(at)).rejects.toMatchObject({ code: 'NETWORK_ERROR' });
    expect(calls).toBe(3);
    calls = 0;
    await expect(c.store.put({ ref: ref(Toy({})), store: STORE })).rejects.toMatchObject({
      code: 'NETWORK_ERROR',
    });
    expect(calls).toBe(1);
  });
});

describe('jobs', () => {
  const uid = '0b8d1a3e-7d4c-4d7b-9a59-1d1f6a3b2c11';
  const job = (status: string, result: unknown = null) => ({
    model_name: 'Job',
    uid,
    status,
    result,
    error: null,
  });

  it('jobs.<path>(args) posts to /jobs/<path> and answers the submitted job', async () => {
    const api = fakeApi(() => json(job('submitted')));
    const started = await client(api.fetch).jobs.cats?.herd?.({ n: 1 });
    expect(api.seen[0]).toMatchObject({
      url: 'http://api.test/base/jobs/cats/herd',
      body: { args: { n: 1 }, logger: null },
    });
    expect(started).toEqual(job('submitted'));
  });

  it('jobs.wait fetches until the job has finished and resolves its result', async () => {
    const api = fakeApi((_, n) => json(n < 3 ? job('submitted') : job('success', refJSON())));
    const done = await client(api.fetch).jobs.wait(uid, { intervalMs: 1 });
    expect(done.status).toBe('success');
    expect(done.result).toBeInstanceOf(Ref);
    expect(api.seen.map((s) => s.url)).toEqual(Array(3).fill('http://api.test/base/jobs/fetch'));
    expect(api.seen[0]?.body).toMatchObject({ job: { model_name: 'Job', uid } });
  });

  it('jobs.wait throws JOB_TIMEOUT naming the job when it is still running after timeoutMs', async () => {
    const api = fakeApi(() => json(job('submitted')));
    const error = await client(api.fetch)
      .jobs.wait(uid, { timeoutMs: 5, intervalMs: 1 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'JOB_TIMEOUT', name: 'JobTimeoutError', extra: { uid } });
    expect((error as Error).message).toContain(uid);
  });

  it('an unknown job is rebuilt as UNKNOWN_JOB', async () => {
    const api = fakeApi(() =>
      json(
        { detail: 'Unknown job', code: 'UNKNOWN_JOB', extra: { error_message: `No job with uid '${uid}'` } },
        400,
      ),
    );
    await expect(client(api.fetch).jobs.fetch({ job: uid })).rejects.toMatchObject({
      code: 'UNKNOWN_JOB',
      status: 400,
    });
  });
});

describe('answers from a server whose model has grown', () => {
  it('drop fields the client model does not define, unless unknownFields is reject', async () => {
    const api = fakeApi(() => json(refJSON({ model_name: 'Toy', name: 'Ball', colour: 'red' })));
    const got = await client(api.fetch).store.get({ ref: new Ref({ record, state_model_name: 'Toy' }) });
    expect(got.state).toEqual({ model_name: 'Toy', name: 'Ball' });
    const strict = client(api.fetch, { unknownFields: 'reject' });
    const error = await strict.store
      .get({ ref: new Ref({ record, state_model_name: 'Toy' }) })
      .catch((e) => e);
    expect(isConsteliteError(error, 'VALIDATION_FAILED')).toBe(true);
    expect((error as Error).message).toContain('colour');
  });
});
