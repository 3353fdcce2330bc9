import { isConsteliteError } from '@constelite/core';
import { describe, expect, it } from 'vitest';
import { Cat, makeAPI, newRef, OTHER_STORE_UID, post, STORE_UID } from './test-fixtures.js';

type Json = Record<string, unknown>;
const store = { uid: STORE_UID };

async function putCat(
  app: ReturnType<typeof makeAPI>['app'],
  state: Json = { model_name: 'Cat', name: 'Snowball' },
) {
  const response = await post(app, '/store/put', {
    ref: newRef(state as Json & { model_name: string }),
    store,
  });
  expect(response.status).toBe(201);
  return (await response.json()) as Json & { record: { uid: string } };
}

async function settle(app: ReturnType<typeof makeAPI>['app'], job: Json): Promise<Json> {
  for (let i = 0; i < 100; i++) {
    const current = (await (await post(app, '/jobs/fetch', { job })).json()) as Json;
    if (current.status !== 'submitted') return current;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('job never finished');
}

function expectError(body: unknown, code: string, status: number) {
  expect(body).toMatchObject({
    code,
    status,
    detail: expect.any(String),
    extra: { error_message: expect.any(String) },
  });
}

describe('unknown fields of incoming states (the API option unknownFields)', () => {
  // A Python client whose Cat has a `colour` the server's Cat does not, and whose nested refs carry one too.
  const grown = {
    ref: newRef({
      model_name: 'CatGang',
      name: 'Alley',
      motto: 'meow',
      members: [
        newRef({
          model_name: 'Cat',
          name: 'Tom',
          colour: 'grey',
          carer: [newRef({ model_name: 'Human', name: 'Ann', height: 170 })],
        }),
      ],
    }),
    store,
  };

  it('by default a field the model does not define is VALIDATION_FAILED naming it, and nothing is stored', async () => {
    const { app, store: memory } = makeAPI();
    const response = await post(app, '/store/put', grown);
    expect(response.status).toBe(400);
    const body = (await response.json()) as Json;
    expectError(body, 'VALIDATION_FAILED', 400);
    // The message names the first unknown field the parse reached.
    expect(String((body.extra as Json).error_message)).toMatch(/Unrecognized key: "(motto|colour|height)"/);
    expect(await memory.query({ model: 'CatGang' })).toEqual([]);
  });

  it("with unknownFields: 'strip' such fields are dropped at every depth, and the rest is stored", async () => {
    const { app, store: memory } = makeAPI({ unknownFields: 'strip' });
    const response = await post(app, '/store/put', grown);
    expect(response.status).toBe(201);
    const gang = (await memory.query({ model: 'CatGang', includeStates: true }))[0]!;
    expect(gang.state).toEqual({ model_name: 'CatGang', name: 'Alley', members: [expect.anything()] });
    const [cat] = await memory.query({ model: 'Cat', includeStates: true });
    expect(cat?.state).toMatchObject({ model_name: 'Cat', name: 'Tom' });
    expect(cat?.state).not.toHaveProperty('colour');
    const [human] = await memory.query({ model: 'Human', includeStates: true });
    expect(human?.state).toMatchObject({ model_name: 'Human', name: 'Ann' });
    expect(human?.state).not.toHaveProperty('height');
    // A misspelt key of the ref envelope itself is still refused: stripping is for model fields only.
    const envelope = await post(app, '/store/put', {
      ref: { ...newRef({ model_name: 'Cat', name: 'Bo' }), stаtе: {} },
      store,
    });
    expect(envelope.status).toBe(400);
  });
});

describe('store endpoints (docs/concepts.md, "The wire protocol")', () => {
  it('POST /store/put without Content-Type answers 201 application/json with a Ref without state', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/store/put', {
      ref: newRef({ model_name: 'Cat', name: 'Snowball' }),
      store,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Json;
    expect(body).toMatchObject({
      record: { store: { uid: STORE_UID, name: 'Memory store' }, url: null },
      guid: null,
      state: null,
      state_model_name: 'Cat',
      model_name: 'Ref',
    });
  });

  it('a body sent as text/plain is parsed as JSON too', async () => {
    const { app } = makeAPI();
    const response = await post(
      app,
      '/store/put',
      { ref: newRef({ model_name: 'Cat', name: 'Tom' }), store },
      {
        'content-type': 'text/plain',
      },
    );
    expect(response.status).toBe(201);
  });

  it('POST /store/get answers the full state; the ref finds its store through its record', async () => {
    const { app } = makeAPI();
    const saved = await putCat(app);
    const response = await post(app, '/store/get', { ref: saved });
    expect(response.status).toBe(201);
    expect(((await response.json()) as Json).state).toMatchObject({ model_name: 'Cat', name: 'Snowball' });
  });

  it('POST /store/patch overwrites given fields, and null in a state never clears a stored value', async () => {
    const { app } = makeAPI();
    const saved = await putCat(app, { model_name: 'Cat', name: 'Snowball', age: 3 });
    const patched = await post(app, '/store/patch', {
      ref: { ...saved, state: { model_name: 'Cat', name: 'Snowball II', age: null, carer: null } },
    });
    expect(patched.status).toBe(201);
    expect(((await patched.json()) as Json).state).toBeNull();
    const got = (await (await post(app, '/store/get', { ref: saved })).json()) as Json;
    expect(got.state).toMatchObject({ name: 'Snowball II', age: 3 });
  });

  it('POST /store/delete answers 201 with the body null; a later get is RECORD_NOT_FOUND (400)', async () => {
    const { app } = makeAPI();
    const saved = await putCat(app);
    const response = await post(app, '/store/delete', { ref: saved });
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('null');
    const after = await post(app, '/store/get', { ref: saved });
    expect(after.status).toBe(400);
    expectError(await after.json(), 'RECORD_NOT_FOUND', 400);
  });

  it('POST /store/query filters by property_values; query null means all; include_states adds states', async () => {
    const { app } = makeAPI();
    await putCat(app, { model_name: 'Cat', name: 'A' });
    await putCat(app, { model_name: 'Cat', name: 'B' });
    const some = (await (
      await post(app, '/store/query', {
        query: { property_values: { name: 'B', age: null } },
        model_name: 'Cat',
        store,
        include_states: true,
      })
    ).json()) as Json[];
    expect(some.map((r) => (r.state as Json).name)).toEqual(['B']);
    const all = await post(app, '/store/query', {
      query: null,
      model_name: 'Cat',
      store,
      include_states: false,
    });
    expect(all.status).toBe(201);
    const refs = (await all.json()) as Json[];
    expect(refs).toHaveLength(2);
    expect(refs.every((r) => r.state === null)).toBe(true);
  });

  it('relationships in bodies are resolved through the model registry', async () => {
    const { app } = makeAPI();
    const human = newRef({ model_name: 'Human', name: 'Alice' });
    const saved = await putCat(app, { model_name: 'Cat', name: 'Snowball', carer: [human] });
    const cat = (await (await post(app, '/store/get', { ref: saved })).json()) as {
      state: { carer: Json[] };
    };
    expect(cat.state.carer).toHaveLength(1);
    const alice = (await (await post(app, '/store/get', { ref: cat.state.carer[0] })).json()) as {
      state: { cats: Json[] };
    };
    expect(alice.state.cats).toHaveLength(1);
  });

  it('an unknown store uid is UNKNOWN_STORE (400)', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/store/put', {
      ref: newRef({ model_name: 'Cat', name: 'x' }),
      store: { uid: '00000000-0000-4000-8000-000000000000' },
    });
    expect(response.status).toBe(400);
    expectError(await response.json(), 'UNKNOWN_STORE', 400);
  });

  it('an unknown model is UNKNOWN_MODEL (400)', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/store/put', {
      ref: newRef({ model_name: 'Dog', name: 'Rex' }),
      store,
    });
    expect(response.status).toBe(400);
    expectError(await response.json(), 'UNKNOWN_MODEL', 400);
  });

  it('a ref from another store is WRONG_STORE (400)', async () => {
    const { app } = makeAPI();
    const saved = await putCat(app);
    const response = await post(app, '/store/get', { ref: saved, store: { uid: OTHER_STORE_UID } });
    expect(response.status).toBe(400);
    expectError(await response.json(), 'WRONG_STORE', 400);
  });

  it('a put of a ref without record and without store is VALIDATION_FAILED (400)', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/store/put', { ref: newRef({ model_name: 'Cat', name: 'x' }) });
    expect(response.status).toBe(400);
    expectError(await response.json(), 'VALIDATION_FAILED', 400);
  });

  it('malformed JSON, wrong types and missing fields are VALIDATION_FAILED (400)', async () => {
    const { app } = makeAPI();
    for (const body of ['{"ref": ', '', '[]', JSON.stringify({ ref: 7 }), JSON.stringify({ store })]) {
      const response = await post(app, '/store/put', body);
      expect(response.status).toBe(400);
      expectError(await response.json(), 'VALIDATION_FAILED', 400);
    }
    const wrongType = await post(app, '/store/put', {
      ref: newRef({ model_name: 'Cat', age: 'old' }),
      store,
    });
    expect(((await wrongType.json()) as { extra: { error_message: string } }).extra.error_message).toContain(
      'age',
    );
  });

  it('deeply nested JSON is VALIDATION_FAILED (400), not a stack overflow', async () => {
    const { app } = makeAPI();
    const deep = `{"ref": ${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const response = await post(app, '/store/put', deep);
    expect(response.status).toBe(400);
    expectError(await response.json(), 'VALIDATION_FAILED', 400);
  });

  it('an unknown route is 404 with an error body; so is GET on a POST endpoint', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/store/nope', {});
    expect(response.status).toBe(404);
    expectError(await response.json(), 'NOT_FOUND', 404);
    expect((await app.request('/store/get')).status).toBe(404);
  });
});

describe('protocol endpoints', () => {
  it('POST /protocols/<slug> answers 201 with the return value', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/protocols/add', { args: { a: 2, b: 3 }, logger: null });
    expect(response.status).toBe(201);
    expect(await response.json()).toBe(5);
  });

  it('a protocol returning nothing answers the body null and logs through the default logger', async () => {
    const { app, lines } = makeAPI();
    const response = await post(app, '/protocols/hello_world', { args: { name: 'Steve' }, logger: null });
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('null');
    expect(lines).toContain('Hello, Steve!');
  });

  it('nested namespaces become path segments and state arguments are resolved by their model', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/protocols/cats/herd_a_cat', {
      args: { cat: Cat({ name: 'Snowball' }) },
      logger: null,
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toBe('Snowball refuses');
  });

  it('a returned state model answers as a Ref', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/protocols/make_cat', { args: { name: 'Tom' }, logger: null });
    expect(await response.json()).toMatchObject({
      model_name: 'Ref',
      state: { model_name: 'Cat', name: 'Tom' },
    });
  });

  it('invalid arguments are VALIDATION_FAILED (400) naming the field', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/protocols/add', { args: { a: 'two', b: 3 }, logger: null });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { extra: { error_message: string } };
    expectError(body, 'VALIDATION_FAILED', 400);
    expect(body.extra.error_message).toContain("field 'a'");
  });

  it('a protocol that throws is PROTOCOL_FAILED (500) with the message and a traceback', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/protocols/explode', { args: {}, logger: null });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { extra: { error_message: string; traceback?: string } };
    expectError(body, 'PROTOCOL_FAILED', 500);
    expect(body.extra.error_message).toContain('the cat sat on the keyboard');
    expect(body.extra.traceback).toContain('Error: the cat sat on the keyboard');
  });

  it('in production a 500 answer carries the code, a generic message and a request id only; the details go to the log under that id', async () => {
    const { app, lines } = makeAPI({ production: true });
    const response = await post(app, '/protocols/explode', { args: {}, logger: null });
    const body = (await response.json()) as { code: string; extra: Json };
    expect(body.code).toBe('PROTOCOL_FAILED');
    expect(body.extra.traceback).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain('the cat sat on the keyboard');
    const requestId = body.extra.request_id as string;
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(body.extra.error_message).toContain(requestId);
    expect(lines.some((line) => line.includes('the cat sat on the keyboard'))).toBe(true);
  });

  it('an unknown protocol path is 404 UNKNOWN_PROTOCOL', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/protocols/nope', { args: {}, logger: null });
    expect(response.status).toBe(404);
    expectError(await response.json(), 'UNKNOWN_PROTOCOL', 404);
  });

  it('an unknown logger name is UNKNOWN_LOGGER (400)', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/protocols/add', {
      args: { a: 1, b: 1 },
      logger: { logger_name: 'loud', logger_kwargs: {} },
    });
    expect(response.status).toBe(400);
    expectError(await response.json(), 'UNKNOWN_LOGGER', 400);
  });
});

describe('job endpoints', () => {
  it('POST /jobs/<slug> answers a submitted Job; /jobs/fetch later answers success with the result', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/jobs/add', { args: { a: 1, b: 2 }, logger: null });
    expect(response.status).toBe(201);
    const job = (await response.json()) as Json;
    expect(job).toMatchObject({ model_name: 'Job', status: 'submitted', result: null, error: null });
    expect(job.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await settle(app, job)).toMatchObject({ status: 'success', result: 3, error: null });
  });

  it('a job whose protocol throws ends failed with the error message', async () => {
    const { app } = makeAPI();
    const job = (await (await post(app, '/jobs/explode', { args: {}, logger: null })).json()) as Json;
    const done = await settle(app, job);
    expect(done.status).toBe('failed');
    expect(done.error).toContain('the cat sat on the keyboard');
  });

  it('/jobs/fetch of an unknown uid is UNKNOWN_JOB (400)', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/jobs/fetch', { job: { model_name: 'Job', uid: 'nope' } });
    expect(response.status).toBe(400);
    expectError(await response.json(), 'UNKNOWN_JOB', 400);
  });

  it('invalid job arguments fail at once with VALIDATION_FAILED (400)', async () => {
    const { app } = makeAPI();
    const response = await post(app, '/jobs/add', { args: { a: 1 }, logger: null });
    expect(response.status).toBe(400);
  });
});

describe('auth', () => {
  const token = 's3cret';

  it('with auth configured, a missing or wrong token is 401 UNAUTHORIZED', async () => {
    const { app } = makeAPI({ auth: { token } });
    const body = { args: { a: 1, b: 1 }, logger: null };
    const missing = await post(app, '/protocols/add', body);
    expect(missing.status).toBe(401);
    expectError(await missing.json(), 'UNAUTHORIZED', 401);
    expect((await post(app, '/protocols/add', body, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(app, '/protocols/add', body, { authorization: 'Bearer None' })).status).toBe(401);
  });

  it('with auth configured, the right token passes', async () => {
    const { app } = makeAPI({ auth: { token } });
    const response = await post(
      app,
      '/protocols/add',
      { args: { a: 1, b: 1 }, logger: null },
      {
        authorization: `Bearer ${token}`,
      },
    );
    expect(response.status).toBe(201);
  });

  it('the docs are served without a token', async () => {
    const { app } = makeAPI({ auth: { token } });
    expect((await app.request('/schema')).status).toBe(200);
    expect((await app.request('/schema/openapi.json')).status).toBe(200);
  });

  it('with auth off, the Python client\'s "Authorization: Bearer None" is ignored', async () => {
    const { app } = makeAPI();
    const response = await post(
      app,
      '/protocols/add',
      { args: { a: 1, b: 1 }, logger: null },
      {
        authorization: 'Bearer None',
      },
    );
    expect(response.status).toBe(201);
  });
});

describe('limits and CORS', () => {
  it('a body over the limit is 400 PAYLOAD_TOO_LARGE naming the limit (the Python client shows detail only for 400 and 500) and changes nothing', async () => {
    const { app, store } = makeAPI({ bodyLimit: 1000 });
    const big = { ref: newRef({ model_name: 'Cat', name: 'x'.repeat(2000) }), store };
    const response = await post(app, '/store/put', big);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { extra: { error_message: string } };
    expectError(body, 'PAYLOAD_TOO_LARGE', 400);
    expect(body.extra.error_message).toContain('1000 bytes');
    expect(await store.query({ model: Cat })).toHaveLength(0);
  });

  it('a streamed body over the limit (no Content-Length) is 400 PAYLOAD_TOO_LARGE too', async () => {
    const { app } = makeAPI({ bodyLimit: 1000 });
    const chunk = new TextEncoder().encode(
      JSON.stringify({ ref: newRef({ model_name: 'Cat', name: 'x'.repeat(2000) }), store }),
    );
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.close();
      },
    });
    const response = await app.request('/store/put', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(response.status).toBe(400);
    expectError(await response.json(), 'PAYLOAD_TOO_LARGE', 400);
  });

  it('CORS is off by default: no Access-Control-Allow-Origin header', async () => {
    const { app } = makeAPI();
    const response = await post(
      app,
      '/protocols/add',
      { args: { a: 1, b: 1 } },
      { origin: 'https://example.com' },
    );
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    const preflight = await app.request('/protocols/add', {
      method: 'OPTIONS',
      headers: { origin: 'https://example.com', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('CORS can be configured', async () => {
    const { app } = makeAPI({ cors: { origin: 'https://example.com' } });
    const response = await post(
      app,
      '/protocols/add',
      { args: { a: 1, b: 1 } },
      { origin: 'https://example.com' },
    );
    expect(response.headers.get('access-control-allow-origin')).toBe('https://example.com');
  });
});

describe('errors are typed', () => {
  it('every error body rebuilds into a typed error with its code', async () => {
    const { app } = makeAPI();
    const body = await (await post(app, '/store/put', '{')).json();
    const { errorFromJSON } = await import('@constelite/core');
    expect(isConsteliteError(errorFromJSON(body as Json, 400), 'VALIDATION_FAILED')).toBe(true);
  });
});
