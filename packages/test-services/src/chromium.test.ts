import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_PATH, launchChromium } from './chromium.js';

let server: Server;
let origin: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    response.setHeader('Content-Type', 'text/html; charset=utf-8');
    response.end(`<!doctype html><title>cats</title><p id="path">${request.url}</p>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

// A browser start costs a second or two of CPU; on a CI machine whose two cores also run every
// other package's tests it can take tens of seconds, so these tests allow two minutes each.
describe('launchChromium', { timeout: 120_000 }, () => {
  it(`drives ${CHROMIUM_PATH} headless: a local page loads and runs script`, async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/hello`);
      expect(await page.title()).toBe('cats');
      expect(await page.textContent('#path')).toBe('/hello');
      expect(await page.evaluate(() => navigator.userAgent)).toMatch(/HeadlessChrome|Chrome/);
    } finally {
      await browser.close();
    }
  });

  it('gives every launch a fresh profile: storage set in one is absent from the next', async () => {
    const first = await launchChromium();
    const page = await first.newPage();
    await page.goto(origin);
    await page.evaluate(() => localStorage.setItem('cat', 'Snowball'));
    await first.close();
    const second = await launchChromium();
    try {
      const again = await second.newPage();
      await again.goto(origin);
      expect(await again.evaluate(() => localStorage.getItem('cat'))).toBeNull();
    } finally {
      await second.close();
    }
  });

  it('close() removes the profile directory and can be called twice', async () => {
    const browser = await launchChromium();
    expect(existsSync(browser.profile)).toBe(true);
    await browser.close();
    await browser.close();
    expect(existsSync(browser.profile)).toBe(false);
  });
});
