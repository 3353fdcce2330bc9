import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { type DocsAssetName, docsAssetNames, docsRoutes } from './docs.js';
import { makeAPI, post } from './test-fixtures.js';

const dist = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

describe('GET /schema: the API reference page', () => {
  it('is a Swagger UI shell whose script and style come from the API itself, not a CDN', async () => {
    const { app } = makeAPI();
    const response = await app.request('/schema');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    expect(html).toContain('<title>Alpha — API reference</title>');
    const sources = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]);
    expect(sources).toEqual(
      expect.arrayContaining([
        'schema/assets/swagger-ui.css',
        'schema/assets/swagger-ui-bundle.js',
        'schema/assets/init.js',
        'schema/openapi.json',
      ]),
    );
    // Relative to the page: nothing names another host.
    expect(sources.filter((source) => /^(?:[a-z]+:)?\/\//i.test(source ?? ''))).toEqual([]);
    expect(html).not.toMatch(/<script>(?!<)/);
  });

  it('forbids the browser any origin but its own, and inline script', async () => {
    const { app } = makeAPI();
    const policy = (await app.request('/schema')).headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("script-src 'self'");
    expect(policy).toContain("connect-src 'self'");
    expect(policy).not.toMatch(/https?:|\*/);
  });

  it('its start-up script loads the document, keeps the bearer token and turns off the online validator', async () => {
    const { app } = makeAPI();
    const response = await app.request('/schema/assets/init.js');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/javascript/);
    const script = await response.text();
    expect(script).toContain('SwaggerUIBundle(');
    expect(script).toContain('"url":"schema/openapi.json"');
    expect(script).toContain('"persistAuthorization":true');
    expect(script).toContain('"tryItOutEnabled":true');
    expect(script).toContain('"validatorUrl":null');
  });

  it('is readable without the token when auth is on; the API still is not', async () => {
    const { app } = makeAPI({ auth: { token: 's3cret' } });
    expect((await app.request('/schema')).status).toBe(200);
    expect((await app.request('/schema/openapi.json')).status).toBe(200);
    expect((await app.request('/schema/assets/swagger-ui-bundle.js')).status).toBe(200);
    expect((await post(app, '/protocols/add', { args: { a: 1, b: 2 } })).status).toBe(401);
  });
});

describe('GET /schema/assets/<file>', () => {
  it.each(docsAssetNames)('%s is the file of swagger-ui-dist, with its content type', async (name) => {
    const { app } = makeAPI();
    const response = await app.request(`/schema/assets/${name}`);
    expect(response.status).toBe(200);
    const type = { css: /^text\/css/, js: /^text\/javascript/, png: /^image\/png$/ }[
      name.split('.').pop() ?? ''
    ];
    expect(response.headers.get('content-type')).toMatch(type ?? /never/);
    expect(Buffer.from(await response.arrayBuffer()).equals(readFileSync(join(dist, name)))).toBe(true);
  });

  it('answers gzip to a browser that accepts it, and 304 to one that has the file', async () => {
    const { app } = makeAPI();
    const plain = await app.request('/schema/assets/swagger-ui-bundle.js');
    const etag = plain.headers.get('etag');
    expect(etag).toMatch(/^"[0-9a-f]+"$/);
    const zipped = await app.request('/schema/assets/swagger-ui-bundle.js', {
      headers: { 'Accept-Encoding': 'gzip, deflate, br' },
    });
    expect(zipped.headers.get('content-encoding')).toBe('gzip');
    const body = Buffer.from(await zipped.arrayBuffer());
    expect(body.length).toBeLessThan(readFileSync(join(dist, 'swagger-ui-bundle.js')).length / 2);
    expect(gunzipSync(body).equals(readFileSync(join(dist, 'swagger-ui-bundle.js')))).toBe(true);
    expect(zipped.headers.get('etag')).not.toBe(etag);
    const again = await app.request('/schema/assets/swagger-ui-bundle.js', {
      headers: { 'If-None-Match': etag ?? '' },
    });
    expect(again.status).toBe(304);
    const zippedAgain = await app.request('/schema/assets/swagger-ui-bundle.js', {
      headers: { 'Accept-Encoding': 'gzip', 'If-None-Match': zipped.headers.get('etag') ?? '' },
    });
    expect(zippedAgain.status).toBe(304);
  });

  it('serves no other file of the package (no path out of the allow-list)', async () => {
    const { app } = makeAPI();
    for (const name of ['index.html', 'package.json', '..%2Fpackage.json', 'swagger-initializer.js']) {
      const response = await app.request(`/schema/assets/${name}`);
      expect(response.status).toBe(404);
      expect(((await response.json()) as { code: string }).code).toBe('NOT_FOUND');
    }
  });
});

describe('docsRoutes', () => {
  const document = () => makeAPI().api.openapi();

  it('reads each file through the given loader once, and serves under another path', async () => {
    const reads: string[] = [];
    const app = new Hono();
    docsRoutes(app, {
      openapi: document,
      path: '/api/docs',
      assets: async (name: DocsAssetName) => {
        reads.push(name);
        return `/* ${name} */`;
      },
    });
    const page = await (await app.request('/api/docs')).text();
    expect(page).toContain('href="docs/assets/swagger-ui.css"');
    expect(await (await app.request('/api/docs/assets/swagger-ui.css')).text()).toBe('/* swagger-ui.css */');
    await app.request('/api/docs/assets/swagger-ui.css');
    expect(reads).toEqual(['swagger-ui.css']);
    expect(
      ((await (await app.request('/api/docs/openapi.json')).json()) as { openapi: string }).openapi,
    ).toBe('3.1.0');
  });

  it('a runtime without the files answers 500 INTERNAL_ERROR saying what to pass', async () => {
    const app = new Hono();
    app.onError((error, c) => c.json((error as unknown as { toJSON(): unknown }).toJSON(), 500));
    docsRoutes(app, { openapi: document, assets: async () => null });
    const response = await app.request('/schema/assets/swagger-ui-bundle.js');
    expect(response.status).toBe(500);
    const body = (await response.json()) as { code: string; extra: { error_message: string; asset: string } };
    expect(body.code).toBe('INTERNAL_ERROR');
    expect(body.extra.asset).toBe('swagger-ui-bundle.js');
    expect(body.extra.error_message).toMatch(/assets.*loader/);
  });

  it('a failed read is tried again on the next request', async () => {
    let calls = 0;
    const app = new Hono();
    app.onError((_error, c) => c.text('failed', 500));
    docsRoutes(app, {
      openapi: document,
      assets: async () => {
        calls++;
        if (calls === 1) throw new Error('disk hiccup');
        return 'body{}';
      },
    });
    expect((await app.request('/schema/assets/swagger-ui.css')).status).toBe(500);
    expect(await (await app.request('/schema/assets/swagger-ui.css')).text()).toBe('body{}');
  });
});
