import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../server/test/support/free-port.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { spawnServer, type ServerProcess } from '../../server/test/support/test-server.js';

/**
 * An image message in real Chromium: alice attaches a PNG in the demo chat (@parley/client uploads
 * it to `parley serve`), and bob's page renders the picture from the URL the message carries.
 */
const WEB_BUILD = fileURLToPath(new URL('../dist/index.html', import.meta.url));
const STEP_MS = 15_000;
/** 2x2 red PNG: small enough to inline, real enough for Chromium to decode. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAFklEQVR4nGP4z8DAwMDAxMDAwMDAAAANHQEDasKb6QAAAABJRU5ErkJggg==',
  'base64',
);

const dataDir = makeTempDir('parley-media-e2e-');
let port: number;
let server: ServerProcess;
let browser: Browser;
const pageErrors: string[] = [];

async function logIn(userId: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  page.on('pageerror', (error) => pageErrors.push(`${userId}: ${error.message}`));
  await page.goto(`http://127.0.0.1:${port}/`);
  await page.locator('#user-id').fill(userId);
  await page.getByRole('button', { name: '登录 Log in' }).click();
  await expect.poll(() => page.getByTestId('status').getAttribute('data-status'), { timeout: STEP_MS }).toBe('CONNECTED');
  return page;
}

beforeAll(async () => {
  if (!existsSync(WEB_BUILD)) throw new Error(`${WEB_BUILD} is missing: build the web pages first with \`npm run build\``);
  port = await freePort();
  server = await spawnServer(['--port', String(port), '--data-dir', dataDir.path]);
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.child.kill('SIGTERM');
  await server?.exited;
  dataDir.remove();
});

describe('image messages in Chromium', () => {
  it('alice attaches an image; bob sees it rendered from the uploaded file', async () => {
    const alice = await logIn('alice');
    const bob = await logIn('bob');
    await alice.locator('.new-chat .chip', { hasText: 'bob' }).click();
    await alice.getByLabel('Attach image').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: PNG });
    const sentPicture = alice.locator('.message.mine.sent img.picture');
    await sentPicture.waitFor();

    await bob.locator('[data-conversation="1:alice"]').click();
    const picture = bob.locator('.message.theirs img.picture');
    await picture.waitFor();
    // Decoded by the browser: the bytes arrived intact and were served as an image.
    await expect.poll(() => picture.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : 0)), { timeout: STEP_MS }).toBe(2);
    const src = await picture.getAttribute('src');
    expect(src).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/media/files/[0-9a-f]{64}/[0-9a-f]{32}$`));
    expect(pageErrors).toEqual([]);
  });
});
