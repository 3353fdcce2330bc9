import { readFileSync } from 'node:fs';
import { protocol } from '@constelite/api';
import { ref, refOf } from '@constelite/core';
import type {
  EqualityOperators,
  OrderedOperators,
  QueryWhere,
  RelationshipCondition,
  StringOperators,
} from '@constelite/core/query';
import { type QueryOperatorName, queryBodySchema, queryOperators } from '@constelite/core/wire';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { JSONSchema, OpenAPIDocument } from './index.js';
import { Cat, Human, makeAPI, type Page, post, STORE_UID } from './test-fixtures.js';

async function document(options: Parameters<typeof makeAPI>[0] = {}): Promise<OpenAPIDocument> {
  const { app } = makeAPI(options);
  const response = await app.request('/schema/openapi.json');
  expect(response.status).toBe(200);
  return (await response.json()) as OpenAPIDocument;
}

describe('OpenAPI document', () => {
  it('is OpenAPI 3.1 with every store endpoint and jobs/fetch', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('Alpha');
    for (const path of [
      '/store/put',
      '/store/get',
      '/store/patch',
      '/store/delete',
      '/store/query',
      '/jobs/fetch',
    ]) {
      expect(doc.paths[path]?.post?.responses['201']).toBeDefined();
    }
  });

  it("documents each protocol's arguments and return value, under protocols/ and jobs/", async () => {
    const doc = await document();
    const add = doc.paths['/protocols/add']?.post;
    expect(add?.summary).toBe('Add');
    expect(add?.description).toBe('Adds two numbers');
    expect(add?.responses['201']?.content?.['application/json'].schema).toEqual({ type: 'number' });
    expect(doc.components.schemas['protocol.add.args']).toMatchObject({
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
    });
    expect(doc.paths['/jobs/add']?.post?.responses['201']?.content?.['application/json'].schema).toEqual({
      $ref: '#/components/schemas/protocol.add.job',
    });
    expect(
      doc.paths['/protocols/make_cat']?.post?.responses['201']?.content?.['application/json'].schema,
    ).toMatchObject({
      $ref: '#/components/schemas/Ref',
    });
  });

  it('nested protocol paths appear and state arguments point at the model schema', async () => {
    const doc = await document();
    expect(doc.paths['/protocols/cats/herd_a_cat']).toBeDefined();
    expect(doc.components.schemas['protocol.cats.herd_a_cat.args']).toMatchObject({
      properties: { cat: { $ref: '#/components/schemas/Cat' } },
    });
    expect(doc.components.schemas.Cat).toMatchObject({
      properties: {
        model_name: { const: 'Cat' },
        name: { type: 'string' },
        carer: { type: 'array', items: { $ref: '#/components/schemas/Ref' } },
      },
    });
  });

  it('documents the error body on every endpoint', async () => {
    const doc = await document();
    expect(doc.components.schemas.Error).toMatchObject({ required: ['detail', 'code', 'extra'] });
    for (const item of Object.values(doc.paths)) {
      for (const status of ['400', '404', '500']) {
        expect(item.post?.responses[status]?.content?.['application/json'].schema).toEqual({
          $ref: '#/components/schemas/Error',
        });
      }
    }
  });

  it('every $ref points at a component that exists', async () => {
    const doc = await document();
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(refs.length).toBeGreaterThan(10);
    for (const id of refs) expect(doc.components.schemas[id ?? '']).toBeDefined();
  });

  it('with auth, declares the bearer scheme and 401 answers', async () => {
    const doc = await document({ auth: { token: 't' } });
    expect(doc.components.securitySchemes?.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/store/get']?.post?.responses['401']).toBeDefined();
  });
});

// Protocols whose arguments exercise the example generator: a ref, enums, nested objects,
// lists, bounds, formats, optional and nullable members, defaults, and a typed result.
const exampleProtocols = {
  give_cat_a_carer: protocol(
    {
      name: 'Give a cat a carer',
      args: { cat: refOf(Cat), carer_name: z.string().min(1), cats: z.array(refOf(Cat)).min(2) },
      returns: refOf(Human),
    },
    async ({ args }) => args.cat as never,
  ),
  plan: protocol(
    {
      name: 'Plan an experiment',
      args: {
        title: z.string().min(10).max(20),
        code: z.string().max(3),
        colour: z.enum(['black', 'white']),
        kind: z.literal('plate'),
        wells: z.number().int().min(96).max(384),
        volume: z.number().positive().lt(0.75),
        step: z.number().int().multipleOf(8),
        urgent: z.boolean(),
        contact: z.email(),
        id: z.uuid(),
        when: z.iso.datetime(),
        note: z.string().optional(),
        reviewer: z.string().nullish(),
        retries: z.number().int().default(3),
        layout: z.object({ rows: z.number().int().positive(), labels: z.array(z.string()).min(1) }),
        tags: z.array(z.enum(['a', 'b'])).max(0),
        pair: z.tuple([z.string(), z.number()]),
        either: z.union([z.number().int().negative(), z.string()]),
        extra: z.record(z.string(), z.number()),
        anything: z.unknown(),
      },
      returns: z.object({ wells: z.number().int(), ok: z.boolean() }),
    },
    ({ args }) => ({ wells: args.wells, ok: args.urgent }),
  ),
};

function apiWithExamples() {
  const made = makeAPI();
  made.api.discoverProtocols({ examples: exampleProtocols });
  return made;
}

async function exampleDocument(): Promise<{ doc: OpenAPIDocument } & ReturnType<typeof apiWithExamples>> {
  const made = apiWithExamples();
  const response = await made.app.request('/schema/openapi.json');
  expect(response.status).toBe(200);
  return { ...made, doc: (await response.json()) as OpenAPIDocument };
}

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('OpenAPI request examples of protocols', () => {
  it('a ref argument gets the Ref JSON of a record of its model, with version-4 UUIDs', async () => {
    const { doc } = await exampleDocument();
    for (const prefix of ['/protocols/', '/jobs/']) {
      const content =
        doc.paths[`${prefix}examples/give_cat_a_carer`]?.post?.requestBody.content['application/json'];
      const example = content?.example as { args: Record<string, unknown> };
      const catRef = {
        record: { store: { uid: expect.stringMatching(UUID_V4) }, uid: expect.stringMatching(UUID_V4) },
        state_model_name: 'Cat',
        model_name: 'Ref',
      };
      expect(example).toEqual({ args: { cat: catRef, carer_name: 'string', cats: [catRef, catRef] } });
    }
  });

  it('strings, numbers, booleans, enums, lists and nested objects get values within their bounds', async () => {
    const { doc } = await exampleDocument();
    const example =
      doc.paths['/protocols/examples/plan']?.post?.requestBody.content['application/json'].example;
    expect(example).toEqual({
      args: {
        title: 'stringxxxx',
        code: 'str',
        colour: 'black',
        kind: 'plate',
        wells: 96,
        volume: 0.25,
        step: 8,
        urgent: true,
        contact: 'user@example.com',
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        when: '2025-01-31T12:00:00.000Z',
        note: 'string',
        reviewer: 'string',
        retries: 3,
        layout: { rows: 1, labels: ['string'] },
        tags: [],
        pair: ['string', 1],
        either: -1,
        extra: {},
        anything: null,
      },
    });
  });

  it("every protocol's example parses with the protocol's argument schema, and the server accepts it", async () => {
    const { doc, api, app } = await exampleDocument();
    const protocolPaths = Object.keys(doc.paths).filter((path) => path.startsWith('/protocols/'));
    expect(protocolPaths.length).toBe(api.protocols.size);
    for (const [path, definition] of api.protocols) {
      for (const prefix of ['/protocols/', '/jobs/']) {
        const content = doc.paths[`${prefix}${path}`]?.post?.requestBody.content['application/json'];
        const example = content?.example as { args: unknown } | undefined;
        expect(example, `${prefix}${path}`).toBeDefined();
        const parsed = await definition.args.safeParseAsync(example?.args);
        expect(parsed.error, `${prefix}${path}`).toBeUndefined();
      }
      // The whole body, through the transport: whatever the protocol then does, the body was valid.
      const content = doc.paths[`/protocols/${path}`]?.post?.requestBody.content['application/json'];
      const response = await post(app, `/protocols/${path}`, content?.example);
      expect(response.status, path).not.toBe(400);
    }
  });
});

describe('OpenAPI job answers', () => {
  it("/jobs/<path> answers a Job whose result is the protocol's result", async () => {
    const { doc } = await exampleDocument();
    const answer = (path: string) =>
      doc.paths[`/jobs/${path}`]?.post?.responses['201']?.content?.['application/json'].schema;
    expect(answer('examples/give_cat_a_carer')).toEqual({
      $ref: '#/components/schemas/protocol.examples.give_cat_a_carer.job',
    });
    const job = (id: string) => doc.components.schemas[`protocol.${id}.job`] as { allOf: JSONSchema[] };
    expect(job('examples.give_cat_a_carer').allOf).toMatchObject([
      { $ref: '#/components/schemas/Job' },
      {
        type: 'object',
        properties: {
          result: {
            anyOf: [{ $ref: '#/components/schemas/Ref', description: 'A Ref to a Human' }, { type: 'null' }],
          },
        },
      },
    ]);
    expect(job('examples.plan').allOf[1]).toMatchObject({
      properties: {
        result: {
          anyOf: [
            { type: 'object', properties: { wells: { type: 'integer' }, ok: { type: 'boolean' } } },
            { type: 'null' },
          ],
        },
      },
    });
    expect(job('add').allOf[1]).toEqual({
      type: 'object',
      properties: { result: { anyOf: [{ type: 'number' }, { type: 'null' }] } },
    });
    // A protocol that returns nothing: the result is always null.
    expect(job('hello_world').allOf[1]).toEqual({ type: 'object', properties: { result: { type: 'null' } } });
  });
});

describe('OpenAPI schema of a query where', () => {
  const operatorsOf = (doc: OpenAPIDocument) => {
    const where = doc.components.schemas.QueryWhere as { properties: Record<string, JSONSchema> };
    const field = doc.components.schemas.QueryOperators as { properties: Record<string, JSONSchema> };
    return { where: Object.keys(where.properties), field: Object.keys(field.properties) };
  };

  it('the where of query, query_page and count is the QueryWhere schema, which lists every operator', async () => {
    const doc = await document();
    for (const id of ['StoreQueryBody', 'StoreQueryPageBody', 'StoreCountBody']) {
      expect(doc.components.schemas[id]).toMatchObject({
        properties: { where: { anyOf: [{ $ref: '#/components/schemas/QueryWhere' }, { type: 'null' }] } },
      });
    }
    const { where, field } = operatorsOf(doc);
    expect(where.sort()).toEqual(['$and', '$or']);
    expect([...where, ...field].sort()).toEqual(Object.keys(queryOperators).sort());
    expect(doc.components.schemas.QueryWhere).toMatchObject({
      type: 'object',
      additionalProperties: { $ref: '#/components/schemas/QueryCondition' },
    });
    expect(doc.components.schemas.QueryOperators).toMatchObject({
      additionalProperties: false,
      properties: {
        $in: { type: 'array' },
        $gt: { type: ['string', 'number'] },
        $contains: { type: 'string' },
        $exists: { type: 'boolean' },
        $has: { $ref: '#/components/schemas/Ref' },
      },
    });
  });

  it("every operator of core's query types and of docs/queries.md is in the table the document is built from", () => {
    type WhereKeys = Extract<keyof QueryWhere<typeof Page>, `$${string}`>;
    expectTypeOf<QueryOperatorName>().toEqualTypeOf<
      | keyof EqualityOperators<unknown>
      | keyof OrderedOperators<unknown>
      | keyof StringOperators
      | keyof RelationshipCondition
      | WhereKeys
    >();
    const docs = readFileSync(new URL('../../../docs/queries.md', import.meta.url), 'utf8');
    const table = docs.slice(docs.indexOf('## The language'), docs.indexOf('### Semantics'));
    const documented = new Set([...table.matchAll(/`(\$[A-Za-z]+)`/g)].map((match) => match[1]));
    expect([...documented].sort()).toEqual(Object.keys(queryOperators).sort());
  });

  it("the store's query checker accepts every operator of the document and refuses one it does not list", async () => {
    const { app, store } = makeAPI();
    const human = await store.put(ref(Human({ name: 'Ann' })));
    await store.put(ref(Cat({ name: 'Tom', age: 3, carer: [human] })));
    const doc = await document();
    const operand: Record<string, unknown> = {
      value: 'Tom',
      values: ['Tom'],
      ordered: 'T',
      string: 'T',
      boolean: true,
      ref: human.toJSON(),
      conditions: [{ name: 'Tom' }],
    };
    const { where, field } = operatorsOf(doc);
    const query = (condition: unknown) =>
      post(app, '/store/count', { model_name: 'Cat', store: { uid: STORE_UID }, where: condition });
    for (const name of [...where, ...field]) {
      const definition = queryOperators[name as QueryOperatorName];
      const value = operand[definition.operand];
      const condition =
        definition.on === 'where'
          ? { [name]: value }
          : { [name === '$has' ? 'carer' : 'name']: { [name]: value } };
      const response = await query(condition);
      expect(response.status, `${name}: ${await response.clone().text()}`).toBe(201);
    }
    const refused = await query({ name: { $regex: 'T' } });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { code: string }).code).toBe('VALIDATION_FAILED');
  });

  it('the wire schema still takes any JSON object as where, as it is (not copied), and nothing else', () => {
    const body = { model_name: 'Cat', store: { uid: STORE_UID } };
    const where = JSON.parse('{"__proto__": {"x": 1}, "name": {"$regex": "T"}, "$nor": []}') as object;
    const parsed = queryBodySchema.safeParse({ ...body, where });
    expect(parsed.data?.where).toBe(where);
    expect(queryBodySchema.safeParse({ ...body, where: null }).success).toBe(true);
    for (const wrong of [[], 'name', 3]) {
      const result = queryBodySchema.safeParse({ ...body, where: wrong });
      expect(result.error?.issues.map((issue) => issue.message)).toEqual(['expected a JSON object']);
    }
  });
});
