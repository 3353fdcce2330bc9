import { describe, expect, it } from 'vitest';
import type { OpenAPIDocument } from './index.js';
import { makeAPI } from './test-fixtures.js';

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
      $ref: '#/components/schemas/Job',
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
