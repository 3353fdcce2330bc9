// Debian's Chromium driven by playwright-core, for browser tests. `scripts/ensure-chromium.sh`
// (run by `pnpm check`) installs it; nothing here downloads a browser (no `playwright install`).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

// The types a browser test needs, so that it need not depend on playwright-core itself.
export type { BrowserContext, Locator, Page, Request, Response } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/**
 * The flags every test browser runs with: headless, no sandbox (CI runs as root), and none of
 * the background traffic a fresh profile starts (updates, sync, component downloads), so that a
 * test can assert that a page makes no request to any host but its own.
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Containers often give /dev/shm only 64 MiB; Chromium then crashes tabs. /tmp has room.
  '--disable-dev-shm-usage',
];

/** Options of `launchChromium`. */
export interface ChromiumOptions {
  /** More command-line flags. */
  args?: readonly string[];
  /** The window size. Default: 1280 × 800. */
  viewport?: { width: number; height: number };
}

/** A running browser with a fresh profile. */
export interface ChromiumSession {
  /** The browser context (one profile); `newPage()` opens a tab. */
  readonly context: BrowserContext;
  /** The profile directory (`--user-data-dir`), removed by `close()`. */
  readonly profile: string;
  /** Opens a tab. */
  newPage(): Promise<Page>;
  /** Closes the browser and removes its profile directory. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Starts `/usr/bin/chromium` headless with a fresh `--user-data-dir` (a temporary directory that
 * `close()` removes).
 *
 * ```ts
 * const browser = await launchChromium();
 * afterAll(() => browser.close());
 * const page = await browser.newPage();
 * ```
 */
export async function launchChromium(options: ChromiumOptions = {}): Promise<ChromiumSession> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `${CHROMIUM_PATH} is missing: install Debian's chromium ('apt-get install -y chromium'), or run scripts/ensure-chromium.sh`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'constelite-chromium-'));
  let context: BrowserContext;
  try {
    // playwright-core takes the profile directory as its own argument (it refuses `--user-data-dir` in `args`).
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  let closed: Promise<void> | null = null;
  return {
    context,
    profile,
    newPage: () => context.newPage(),
    close() {
      closed ??= context.close().finally(() => rmSync(profile, { recursive: true, force: true }));
      return closed;
    },
  };
}
