// @constelite/client in a real browser: the client (and core) bundled with esbuild for the
// browser platform, which fails on any Node built-in; a page on one origin driving the demo API
// on another (CORS) in headless Chromium: put, get, patch, query, protocol calls, a
// fire-and-forget call and a job wait, each checked on the page.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MemoryStore } from '@constelite/memory-store';
import { type RunningServer, run } from '@constelite/server/node';
import { type ChromiumSession, launchChromium } from '@constelite/test-services/chromium';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi } from '../../src/api.js';
import { MEMORY_STORE_NAME, MEMORY_STORE_UID } from '../../src/store.js';

const here = import.meta.dirname;
const root = join(here, '../../../..');

/** Bundles `entry` for browsers the way an application's bundler would, from the workspace sources. */
async function browserBundle(entry: string, external: string[] = []): Promise<Uint8Array> {
  const result = await build({
    external,
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    write: false,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@constelite/source'],
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error(`esbuild produced nothing for ${entry}`);
  return file.contents;
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

let pageServer: Server;
let pageOrigin: string;
let apiServer: RunningServer;
let browser: ChromiumSession;
let script: Uint8Array;

beforeAll(async () => {
  script = await browserBundle(join(here, 'page.ts'));
  pageServer = createServer((request, response) => {
    if (request.url === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
      response.end(script);
      return;
    }
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(
      '<!doctype html><meta charset="utf-8"><title>constelite client</title>' +
        '<p id="status">running</p><pre id="results"></pre><script type="module" src="/page.js"></script>',
    );
  });
  await new Promise<void>((done) => pageServer.listen(0, '127.0.0.1', done));
  pageOrigin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  const api = createApi({
    stores: [new MemoryStore({ uid: MEMORY_STORE_UID, name: MEMORY_STORE_NAME })],
    cors: { origin: pageOrigin },
  });
  apiServer = await run(api, '127.0.0.1', 0);
  browser = await launchChromium();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await apiServer?.close();
  await new Promise((done) => pageServer?.close(done));
});

// Browser work on a CI machine whose two cores run every package's tests at once can be slow.
describe('@constelite/client in a browser', { timeout: 120_000 }, () => {
  it('bundles for the browser platform without a Node built-in; prints its minified and gzipped size', async () => {
    // esbuild's browser platform cannot resolve `node:*` imports, so the build itself is the check.
    const client = await browserBundle(join(root, 'packages/client/src/index.ts'));
    // zod is a peer dependency an application bundles anyway (its models are zod schemas).
    const withoutZod = await browserBundle(join(root, 'packages/client/src/index.ts'), ['zod']);
    console.log(
      `@constelite/client browser bundle (with core, ky and zod): ${kib(client.length)} minified, ${kib(gzipSync(client).length)} gzipped; ` +
        `without zod: ${kib(withoutZod.length)} minified, ${kib(gzipSync(withoutZod).length)} gzipped`,
    );
    const text = new TextDecoder().decode(client);
    expect(text).not.toMatch(/from\s*["']node:/);
    // `process` is read through globalThis only, so a bundle for a browser needs no shim.
    expect(text).not.toMatch(/(?<![.\w$])process\.env/);
  });

  it('drives the demo API across origins: put, get, patch, query, protocols, fire-and-forget and a job', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    const foreignRequests: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('request', (request) => {
      const origin = new URL(request.url()).origin;
      if (origin !== pageOrigin && origin !== apiServer.url) foreignRequests.push(request.url());
    });
    const query = new URLSearchParams({ api: apiServer.url, store: MEMORY_STORE_UID });
    await page.goto(`${pageOrigin}/?${query}`);
    await page.waitForFunction(
      () => (globalThis as { __constelite?: { done: boolean } }).__constelite?.done,
      null,
      { timeout: 90_000 },
    );
    const status = await page.textContent('#status');
    const outcome = await page.evaluate(() => (globalThis as { __constelite?: unknown }).__constelite);
    expect(status, JSON.stringify(outcome)).toBe('passed');
    const shown = JSON.parse((await page.textContent('#results')) ?? 'null');
    expect(shown).toMatchObject({
      put: { hasRecord: true, hasState: false, model: 'Cat' },
      get: { name: 'Snowball' },
      patch: { name: 'Snowball II' },
      query: { count: 1, names: ['Snowball II'], uid: true },
      protocol: {
        greeted: null,
        carerModel: 'Human',
        carerName: 'Alice',
        catCarer: true,
        carerIsHuman: true,
      },
      fireAndForget: 'sent',
      job: { submitted: 'submitted', status: 'success', result: null },
      afterDelete: 'RECORD_NOT_FOUND',
      runtime: { hasProcess: false, userAgent: expect.stringMatching(/Chrome/) },
    });
    expect(pageErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
    await page.close();
  });
});
