import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMClient, type Message } from '@parley/client';
import { callServerApi } from '../../server/test/support/server-api-client.js';
import { makeTempDir } from '../../server/test/support/temp-dir.js';
import { startTestServer, type TestServer } from '../../server/test/support/test-server.js';

/**
 * The browser bundle in real Chromium (Debian's, driven by playwright-core), served from another
 * origin than Parley so navigation's CORS is exercised too.
 */
const BUNDLE = fileURLToPath(new URL('../dist/browser/parley-client.js', import.meta.url));
const PAGE = `<!doctype html><meta charset="utf-8"><title>parley bundle test</title>
<script type="module">
  import { IMClient, ConnectionStatus } from './parley-client.js';
  window.parley = { IMClient, ConnectionStatus };
  window.ready = true;
</script>`;

let parley: TestServer;
let pages: Server;
let pagesUrl: string;
let browser: Browser;
const dataDir = makeTempDir('parley-client-');

beforeAll(async () => {
  parley = await startTestServer();
  pages = createServer((request, response) => {
    if (request.url === '/parley-client.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' });
      response.end(readFileSync(BUNDLE));
    } else {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(PAGE);
    }
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  pagesUrl = `http://127.0.0.1:${(pages.address() as { port: number }).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => pages.close(() => r()));
  await parley.stop();
  dataDir.remove();
});

describe('@parley/client browser bundle', () => {
  it('connects from Chromium and exchanges messages with a Node client', async () => {
    const dev = parley.devApp;
    const token = async (userId: string) => String((await callServerApi(parley.url, 'user/getToken', { userId }, dev)).body.token);
    const bob = new IMClient();
    bob.init(dev.appKey, { dataDir: dataDir.path });
    const atBob: Message[] = [];
    bob.addMessageListener((m) => atBob.push(...m));
    await bob.connectAsync(await token('br-bob'));

    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pagesUrl);
    await page.waitForFunction(() => (window as unknown as { ready?: boolean }).ready === true);

    const aliceToken = await token('br-alice');
    const result = await page.evaluate(
      async ({ appKey, token }) => {
        type PageClient = {
          init(appKey: string): void;
          addMessageListener(fn: (messages: unknown[]) => void): void;
          connect(token: string, timeLimit: number, cb: { onDatabaseOpened(s: number): void; onSuccess(u: string): void; onError(c: number): void }): void;
          sendMessage(type: number, target: string, m: { objectName: string; content: unknown }): Promise<{ messageUId: string }>;
          getCurrentConnectionStatus(): number;
        };
        const { IMClient } = (window as unknown as { parley: { IMClient: new () => PageClient } }).parley;
        const client = new IMClient();
        client.init(appKey);
        const received: unknown[] = [];
        client.addMessageListener((messages: unknown[]) => received.push(...messages));
        (window as unknown as { received: unknown[] }).received = received;
        const events: string[] = [];
        const userId = await new Promise<string>((resolve, reject) =>
          client.connect(token, 10, {
            onDatabaseOpened: (status: number) => events.push(`db:${status}`),
            onSuccess: resolve,
            onError: (code: number) => reject(new Error(`connect failed: ${code}`)),
          }),
        );
        const sent = await client.sendMessage(1, 'br-bob', { objectName: 'RC:TxtMsg', content: { content: 'from chromium' } });
        return { userId, events, sentUid: sent.messageUId, status: client.getCurrentConnectionStatus() };
      },
      { appKey: dev.appKey, token: aliceToken },
    );
    expect(result).toMatchObject({ userId: 'br-alice', events: ['db:0'], status: 0 });
    await expect.poll(() => atBob.map((m) => m.messageUId)).toEqual([result.sentUid]);

    await bob.sendMessage(1, 'br-alice', { objectName: 'RC:TxtMsg', content: { content: 'from node' } });
    await page.waitForFunction(() => ((window as unknown as { received: unknown[] }).received ?? []).length === 1);
    const inBrowser = await page.evaluate(() => (window as unknown as { received: { content: { content: string }; senderUserId: string }[] }).received);
    expect(inBrowser).toEqual([expect.objectContaining({ senderUserId: 'br-bob', content: { content: 'from node' } })]);
    expect(errors).toEqual([]);
    bob.disconnect();
    await page.close();
  });
});
