import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { freePort } from '../../../server/test/support/free-port.js';
import { makeTempDir } from '../../../server/test/support/temp-dir.js';
import { spawnServer, type ServerProcess } from '../../../server/test/support/test-server.js';

const WEB_BUILD = fileURLToPath(new URL('../../dist/index.html', import.meta.url));
/** Longest wait for something a page should show; generous because other suites share the machine. */
export const STEP_MS = 15_000;

export interface ChromiumE2e {
  readonly dataDir: { path: string; remove(): void };
  /** Every uncaught error of every page opened here, prefixed with the page's name. */
  readonly pageErrors: string[];
  readonly port: number;
  readonly server: ServerProcess;
  url(path?: string): string;
  /** Starts `parley serve` on the same port and data directory, e.g. again after `stopServer`. */
  startServer(): Promise<void>;
  stopServer(): Promise<void>;
  /** A browser context of its own storage (its own IndexedDB): a device. Its pages are tabs of one browser. */
  newContext(): Promise<BrowserContext>;
  /** A page in `context`, by default a fresh one (a device of its own). */
  openPage(name: string, path?: string, context?: BrowserContext): Promise<Page>;
  /** Opens the demo chat (on a fresh context unless given one) and logs `userId` in, until the page shows it connected. */
  logIn(name: string, userId: string, context?: BrowserContext): Promise<Page>;
}

/**
 * `parley serve` as a real process over its own data directory, serving the built web pages, and
 * Debian's Chromium driven by playwright-core: started before the file's tests, closed after them.
 */
export function chromiumE2e(dataDirPrefix: string, serverArgs: readonly string[] = []): ChromiumE2e {
  const dataDir = makeTempDir(dataDirPrefix);
  const pageErrors: string[] = [];
  let port = 0;
  let server: ServerProcess | undefined;
  let browser: Browser | undefined;

  const url = (path = '/') => `http://127.0.0.1:${port}${path}`;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not started: use it inside the tests`);
    return value;
  };

  const e2e: ChromiumE2e = {
    dataDir,
    pageErrors,
    get port() {
      return port;
    },
    get server() {
      return started(server, 'the server');
    },
    url,
    async startServer() {
      server = await spawnServer(['--port', String(port), '--data-dir', dataDir.path, ...serverArgs]);
    },
    async stopServer() {
      server?.child.kill('SIGTERM');
      await server?.exited;
    },
    newContext() {
      return started(browser, 'the browser').newContext({ viewport: { width: 1100, height: 720 }, locale: 'zh-CN' });
    },
    async openPage(name, path = '/', context) {
      const page = await (context ?? (await e2e.newContext())).newPage();
      page.setDefaultTimeout(STEP_MS);
      page.on('pageerror', (error) => pageErrors.push(`${name}: ${error.message}`));
      await page.goto(url(path));
      return page;
    },
    async logIn(name, userId, context) {
      const page = await e2e.openPage(name, '/', context);
      await page.locator('#user-id').fill(userId);
      await page.getByRole('button', { name: '登录 Log in' }).click();
      await connected(page);
      return page;
    },
  };

  beforeAll(async () => {
    if (!existsSync(WEB_BUILD)) {
      throw new Error(`${WEB_BUILD} is missing: build the web pages first with \`npm run build\` (npm test builds before it runs)`);
    }
    port = await freePort();
    await e2e.startServer();
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await e2e.stopServer();
    dataDir.remove();
  });

  return e2e;
}

export const status = (page: Page) => page.getByTestId('status');
export const connected = (page: Page) => expect.poll(() => status(page).getAttribute('data-status'), { timeout: STEP_MS }).toBe('CONNECTED');

/** Sends from the demo's composer and waits until the server acknowledged it. */
export async function send(page: Page, text: string): Promise<void> {
  await page.getByLabel('Message').fill(text);
  await page.getByLabel('Message').press('Enter');
  await page.locator('.message.mine.sent', { hasText: text }).waitFor();
}

export const message = (page: Page, text: string) => page.locator('.message', { hasText: text });

/** Numbered full-page screenshots under test-artifacts/<folder>/<time of this run>/. */
export function screenshots(folder: string): (page: Page, name: string) => Promise<void> {
  const dir = fileURLToPath(new URL(`../../../../test-artifacts/${folder}/${new Date().toISOString().replace(/[:.]/g, '-')}/`, import.meta.url));
  let shots = 0;
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    console.log(`${folder} screenshots: ${dir}`);
  });
  return async (page, name) => {
    await page.screenshot({ path: join(dir, `${String(++shots).padStart(2, '0')}-${name}.png`), fullPage: true });
  };
}
