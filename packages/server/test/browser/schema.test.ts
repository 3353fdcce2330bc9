// The API reference in a real browser (Debian's Chromium through playwright-core, see
// packages/test-services): it loads from the API alone, lists every endpoint, and "Try it out"
// of /store/put with the bearer token stores a Cat. The screenshot is left in test-artifacts/.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ref } from '@constelite/core';
import {
  type ChromiumSession,
  launchChromium,
  type Page,
  type Request,
} from '@constelite/test-services/chromium';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, serveNode } from '../../src/node.js';
import { Cat, makeAPI, newRef, STORE_UID } from '../../src/test-fixtures.js';

const TOKEN = 's3cret';
const artifacts = join(dirname(fileURLToPath(import.meta.url)), '../../test-artifacts');
const SCREENSHOT = join(artifacts, 'schema.png');

let server: RunningServer;
let browser: ChromiumSession;
let fixture: ReturnType<typeof makeAPI>;
beforeAll(async () => {
  fixture = makeAPI({ auth: { token: TOKEN } });
  server = await serveNode(fixture.app, '127.0.0.1', 0);
  browser = await launchChromium({ viewport: { width: 1280, height: 900 } });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the page, recording every request the browser makes and every error it reports. */
async function openReference(): Promise<{ page: Page; requests: Request[]; errors: string[] }> {
  const page = await browser.newPage();
  const requests: Request[] = [];
  const errors: string[] = [];
  page.on('request', (request) => requests.push(request));
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${server.url}/schema`);
  await page.locator('.opblock').first().waitFor();
  return { page, requests, errors };
}

/** Types the bearer token into Swagger UI's "Authorize" dialog. */
async function authorize(page: Page): Promise<void> {
  await page.locator('.auth-wrapper .btn.authorize').click();
  await page.locator('.modal-ux input').fill(TOKEN);
  await page.locator('.modal-ux .auth-btn-wrapper .btn.authorize').click();
  await page.locator('.modal-ux .btn-done').click();
}

describe('the API reference in Chromium', () => {
  it('loads from the API alone, shows every endpoint, and "Try it out" of /store/put for a Cat answers 201', {
    timeout: 120_000,
  }, async () => {
    const { page, requests, errors } = await openReference();
    const document = fixture.api.openapi();

    // Every endpoint of the document, protocols and jobs included, has its block.
    const shown: (string | null)[] = [];
    for (const path of await page.locator('.opblock-summary-path').all()) {
      shown.push(await path.getAttribute('data-path'));
    }
    expect(shown.sort()).toEqual(Object.keys(document.paths).sort());

    await authorize(page);

    // Try /store/put with a Cat.
    const block = page.locator('.opblock', { has: page.locator('[data-path="/store/put"]') });
    await block.locator('.opblock-summary').click();
    const body = { ref: newRef({ model_name: 'Cat', name: 'Snowball', age: 3 }), store: { uid: STORE_UID } };
    await block.locator('textarea.body-param__text').fill(JSON.stringify(body, null, 2));
    const answered = page.waitForResponse((response: { url(): string }) =>
      response.url().endsWith('/store/put'),
    );
    await block.locator('.execute').click();
    const response = await answered;
    expect(response.status()).toBe(201);
    expect(response.request().headers().authorization).toBe(`Bearer ${TOKEN}`);
    await expect
      .poll(() => block.locator('.live-responses-table tbody .response-col_status').first().textContent())
      .toBe('201');
    const saved = (await response.json()) as { record: { uid: string } };
    const stored = await fixture.store.get(ref(Cat, { uid: saved.record.uid, store: { uid: STORE_UID } }));
    expect(stored.name).toBe('Snowball');

    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    // Nothing but the API was asked for anything.
    const origin = new URL(server.url).origin;
    const elsewhere = requests
      .map((request) => request.url())
      .filter((url) => !url.startsWith(`${origin}/`) && !url.startsWith('data:'));
    expect(elsewhere).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('keeps the bearer token across a reload (persistAuthorization)', { timeout: 60_000 }, async () => {
    const { page } = await openReference();
    // The tests share one profile: start this one logged out.
    await page.evaluate('localStorage.clear()');
    await page.reload();
    await page.locator('.opblock').first().waitFor();
    await authorize(page);
    await page.reload();
    await page.locator('.opblock').first().waitFor();
    const block = page.locator('.opblock', { has: page.locator('[data-path="/protocols/add"]') });
    await block.locator('.opblock-summary').click();
    await block
      .locator('textarea.body-param__text')
      .fill(JSON.stringify({ args: { a: 2, b: 3 }, logger: null }));
    const answered = page.waitForResponse((response: { url(): string }) =>
      response.url().endsWith('/protocols/add'),
    );
    await block.locator('.execute').click();
    const response = await answered;
    expect(response.status()).toBe(201);
    expect(await response.json()).toBe(5);
  });
});
