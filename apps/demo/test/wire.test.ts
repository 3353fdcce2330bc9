import { describe, expect, it } from 'vitest';
import { testApi } from './helpers.js';

const STORE = { uid: '5ef14649-fd40-40a0-a693-de36c855a181', name: 'Memory store' };
const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const catRef = (state: Record<string, unknown>, record: unknown = null) => ({
  record,
  guid: null,
  state: { model_name: 'Cat', ...state },
  state_model_name: 'Cat',
  model_name: 'Ref',
});

type App = ReturnType<typeof testApi>['api']['app'];

/** Posts `body` the way the Python client does: JSON bytes, no Content-Type, `Bearer None` unless told. */
async function post(
  app: App,
  path: string,
  body: unknown,
  headers: Record<string, string> = { authorization: 'Bearer None' },
) {
  const bytes = new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
  const request = new Request(`http://alpha.test${path}`, { method: 'POST', body: bytes, headers });
  // Bytes, unlike a string body, get no Content-Type: the request looks like the Python client's.
  expect(request.headers.get('content-type')).toBeNull();
  const response = await app.request(request);
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    text,
    json: text ? JSON.parse(text) : undefined,
  };
}

async function putCat(app: App, name: string) {
  return (await post(app, '/store/put', { ref: catRef({ name }), store: { uid: STORE.uid } })).json;
}

function expectError(answer: Awaited<ReturnType<typeof post>>, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(answer.type).toMatch(/json/);
  expect(answer.json).toMatchObject({
    code,
    detail: expect.any(String),
    extra: { error_message: expect.any(String) },
  });
}

describe('wire format (docs/concepts.md, "The wire protocol"), raw requests without Content-Type and with Bearer None', () => {
  it('POST /store/put answers 201 application/json with a Ref: record, guid, no state, state_model_name, model_name', async () => {
    const { app } = testApi().api;
    const answer = await post(app, '/store/put', {
      ref: catRef({ name: 'Snowball' }),
      store: { uid: STORE.uid },
    });
    expect(answer.status).toBe(201);
    expect(answer.type).toMatch(/^application\/json/);
    expect(answer.json).toEqual({
      record: { store: STORE, uid: expect.any(String), url: null },
      guid: null,
      state: null,
      state_model_name: 'Cat',
      model_name: 'Ref',
    });
    expect(Object.keys(answer.json.record)).not.toContain('model_name');
    expect(Object.keys(answer.json.record.store)).not.toContain('model_name');
  });

  it('POST /store/get answers the state with model_name; POST /store/patch with null fields changes nothing', async () => {
    const { app } = testApi().api;
    const saved = await putCat(app, 'Snowball');
    const patched = await post(app, '/store/patch', {
      ref: { ...saved, state: { model_name: 'Cat', name: null, carer: null } },
    });
    expect(patched.status).toBe(201);
    expect(patched.json.state).toBeNull();
    const got = await post(app, '/store/get', { ref: saved, store: null });
    expect(got.status).toBe(201);
    expect(got.json.state).toMatchObject({ model_name: 'Cat', name: 'Snowball' });
  });

  it('POST /store/delete answers 201 with the body null', async () => {
    const { app } = testApi().api;
    const answer = await post(app, '/store/delete', { ref: await putCat(app, 'Snowball') });
    expect(answer).toMatchObject({ status: 201, text: 'null' });
    expect(answer.type).toMatch(/^application\/json/);
  });

  it('POST /store/query answers a list of refs, with states only when include_states is true', async () => {
    const { app } = testApi().api;
    await putCat(app, 'Snowball');
    await putCat(app, 'Tom');
    const all = await post(app, '/store/query', {
      query: null,
      model_name: 'Cat',
      store: { uid: STORE.uid },
      include_states: false,
    });
    expect(all.status).toBe(201);
    expect(all.json).toHaveLength(2);
    expect(
      all.json.every(
        (r: { state: unknown; model_name: string }) => r.state === null && r.model_name === 'Ref',
      ),
    ).toBe(true);
    const tom = await post(app, '/store/query', {
      query: { property_values: { name: 'Tom' } },
      model_name: 'Cat',
      store: { uid: STORE.uid },
      include_states: true,
    });
    expect(tom.json).toEqual([expect.objectContaining({ state: expect.objectContaining({ name: 'Tom' }) })]);
  });

  it('POST /protocols/<path> answers 201 with the result, null for nothing', async () => {
    const { app } = testApi().api;
    expect(
      await post(app, '/protocols/hello_world', { args: { name: 'Steve' }, logger: null }),
    ).toMatchObject({ status: 201, text: 'null' });
    expect(await post(app, '/protocols/test/add', { args: { a: 1, b: 2 }, logger: null })).toMatchObject({
      status: 201,
      json: 3,
    });
  });

  it('POST /jobs/<path> answers a submitted Job with a v4 uid; POST /jobs/fetch answers its current status', async () => {
    const { app } = testApi().api;
    const submitted = await post(app, '/jobs/test/add', { args: { a: 1, b: 2 }, logger: null });
    expect(submitted.status).toBe(201);
    expect(submitted.json).toEqual({
      model_name: 'Job',
      uid: expect.stringMatching(UUID4),
      status: 'submitted',
      result: null,
      error: null,
      // Members newer than the Python client's Job model (docs/jobs.md, "The job on the wire").
      state: 'queued',
      progress: null,
      error_code: null,
      error_cause_code: null,
    });
    let fetched = await post(app, '/jobs/fetch', { job: submitted.json });
    for (let i = 0; i < 100 && fetched.json.status === 'submitted'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      fetched = await post(app, '/jobs/fetch', { job: submitted.json });
    }
    expect(fetched).toMatchObject({
      status: 201,
      json: { uid: submitted.json.uid, status: 'success', result: 3, error: null },
    });
  });

  it('what the client sent wrong answers 400 with a stable code: malformed JSON, schema, store, model, record, logger, job', async () => {
    const { app } = testApi().api;
    expectError(await post(app, '/store/put', '{"ref": '), 400, 'VALIDATION_FAILED');
    expectError(
      await post(app, '/store/put', { ref: catRef({ name: 42 }), store: { uid: STORE.uid } }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await post(app, '/store/put', {
        ref: catRef({ name: 'x' }),
        store: { uid: '7c9e6679-7425-40de-944b-e07fc1f90ae7' },
      }),
      400,
      'UNKNOWN_STORE',
    );
    expectError(
      await post(app, '/store/put', {
        ref: { ...catRef({}), state: { model_name: 'Dog' }, state_model_name: 'Dog' },
        store: { uid: STORE.uid },
      }),
      400,
      'UNKNOWN_MODEL',
    );
    const missing = { store: STORE, uid: 'be4fab6b-98cd-4ed4-b34e-8ae7cf1c93f2', url: null };
    const notFound = await post(app, '/store/get', { ref: { ...catRef({}), state: null, record: missing } });
    expectError(notFound, 400, 'RECORD_NOT_FOUND');
    expect(notFound.json.extra.error_message).toContain(missing.uid);
    expectError(
      await post(app, '/protocols/hello_world', {
        args: { name: 'x' },
        logger: { logger_name: 'nope', logger_kwargs: null },
      }),
      400,
      'UNKNOWN_LOGGER',
    );
    expectError(
      await post(app, '/jobs/fetch', { job: { uid: '0b8d1a3e-7d4c-4d7b-9a59-1d1f6a3b2c11' } }),
      400,
      'UNKNOWN_JOB',
    );
  });

  it('a bad request never changes stored data', async () => {
    const { app } = testApi().api;
    const saved = await putCat(app, 'Snowball');
    await post(app, '/store/patch', { ref: { ...saved, state: { model_name: 'Cat', name: 7 } } });
    await post(app, '/store/put', {
      ref: catRef({
        name: 'Tom',
        carer: [{ ...catRef({}), state: null, record: { ...saved.record, uid: 'nope' } }],
      }),
      store: { uid: STORE.uid },
    });
    const all = await post(app, '/store/query', {
      query: null,
      model_name: 'Cat',
      store: { uid: STORE.uid },
      include_states: true,
    });
    expect(all.json.map((r: { state: { name: string } }) => r.state.name)).toEqual(['Snowball']);
  });

  it('an unknown route or protocol path is 404; a protocol that raised is 500 with error_message and a traceback', async () => {
    const { app } = testApi().api;
    expect((await post(app, '/nowhere', {})).status).toBe(404);
    expect((await post(app, '/protocols/goodbye_world', { args: {}, logger: null })).status).toBe(404);
    const raised = await post(app, '/protocols/test/explode', { args: {}, logger: null });
    expectError(raised, 500, 'PROTOCOL_FAILED');
    expect(raised.json.extra.error_message).toContain('the cat sat on the keyboard');
    expect(raised.json.extra.traceback).toEqual(expect.any(String));
  });

  it('in production a 500 carries no traceback', async () => {
    const { app } = testApi({ production: true }).api;
    const raised = await post(app, '/protocols/test/explode', { args: {}, logger: null });
    expectError(raised, 500, 'PROTOCOL_FAILED');
    expect(raised.json.extra.traceback).toBeUndefined();
  });

  it('with a token configured, a missing token or Bearer None is 401 and the right one is let in', async () => {
    const { app } = testApi({ auth: { token: 's3cret' } }).api;
    const body = { args: { name: 'Steve' }, logger: null };
    expectError(await post(app, '/protocols/hello_world', body, {}), 401, 'UNAUTHORIZED');
    expectError(await post(app, '/protocols/hello_world', body), 401, 'UNAUTHORIZED');
    expect((await post(app, '/protocols/hello_world', body, { authorization: 'Bearer s3cret' })).status).toBe(
      201,
    );
  });

  it('GET /schema serves the docs page and GET /schema/openapi.json an OpenAPI 3.1 document', async () => {
    const { app } = testApi().api;
    const page = await app.request('/schema');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/html/);
    const doc = (await (await app.request('/schema/openapi.json')).json()) as {
      openapi: string;
      paths: Record<string, unknown>;
    };
    expect(doc.openapi).toMatch(/^3\.1/);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/store/put', '/protocols/hello_world', '/jobs/fetch']),
    );
  });
});
