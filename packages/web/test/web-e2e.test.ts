import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumE2e, message, screenshots, send, status, STEP_MS } from './support/chromium-e2e.js';

/**
 * The demo chat and the console as a user sees them: `parley serve` as a real process (so it can be
 * restarted on the same port and data), its built pages, and Debian's Chromium driven by
 * playwright-core. Each step leaves a screenshot under test-artifacts/e2e/<time>/.
 */
const ADMIN_TOKEN = randomBytes(24).toString('base64url');

const e2e = chromiumE2e('parley-web-e2e-', [`--admin-token=${ADMIN_TOKEN}`]);
const shot = screenshots('e2e');
const pages: Record<'alice' | 'bob' | 'alice2' | 'console', Page | undefined> = { alice: undefined, bob: undefined, alice2: undefined, console: undefined };

async function openPage(name: keyof typeof pages, path: string): Promise<Page> {
  const page = await e2e.openPage(name, path);
  pages[name] = page;
  return page;
}

async function logIn(name: 'alice' | 'bob' | 'alice2', userId: string): Promise<Page> {
  const page = await e2e.logIn(name, userId);
  pages[name] = page;
  return page;
}

describe('web demo and console in Chromium', () => {
  it('alice and bob log in and exchange private and group messages both ways', async () => {
    const alice = await logIn('alice', 'alice');
    const bob = await logIn('bob', 'bob');
    await shot(alice, 'alice-logged-in');

    await alice.locator('.new-chat .chip', { hasText: 'bob' }).click();
    await send(alice, 'hi bob, 你好');
    await bob.locator('[data-conversation="1:alice"]').click();
    await message(bob, 'hi bob, 你好').waitFor();
    await send(bob, 'hi alice');
    await message(alice, 'hi alice').waitFor();
    await shot(alice, 'alice-private-chat');

    await alice.locator('[data-conversation="3:lobby"]').click();
    await send(alice, 'hello lobby');
    await bob.locator('[data-conversation="3:lobby"]').click();
    await message(bob, 'hello lobby').locator('.sender', { hasText: 'alice' }).waitFor();
    await send(bob, 'hello from bob');
    await message(alice, 'hello from bob').waitFor();
    await shot(bob, 'bob-group-chat');

    // The console's msgs/s comes from this counter: one per acked send. Reading is a send too (an
    // RC:SRSMsg moves the reader's position on the server): bob opening each conversation with an
    // unread message, alice reading the answers that arrived in the conversation she had open.
    const metrics = () => fetch(e2e.url('/metrics')).then((r) => r.text());
    await expect.poll(metrics).toContain('parley_messages_total{type="private"} 4');
    await expect.poll(metrics).toContain('parley_messages_total{type="group"} 4');
  });

  it('bob sees alice online, and unread counts for conversations he is not reading, kept by the server across a reload, cleared by opening one', async () => {
    const alice = pages.alice as Page;
    const bob = pages.bob as Page;
    const unread = bob.locator('[data-conversation="1:alice"]').getByTestId('unread');
    // Each page subscribes to its private peers' online status: alice is online.
    await expect.poll(() => bob.locator('[data-conversation="1:alice"] .avatar').getAttribute('data-online'), { timeout: STEP_MS }).toBe('true');
    // bob reads the lobby; alice writes to him privately.
    await alice.locator('[data-conversation="1:bob"]').click();
    await send(alice, 'unread one');
    await send(alice, 'unread two');
    await expect.poll(() => unread.textContent(), { timeout: STEP_MS }).toBe('2');
    await expect.poll(() => bob.title()).toMatch(/^\(2\) /);
    await shot(bob, 'bob-unread-badge');
    await bob.reload();
    await expect.poll(() => unread.textContent(), { timeout: STEP_MS }).toBe('2');
    await bob.locator('[data-conversation="1:alice"]').click();
    await message(bob, 'unread two').waitFor();
    await expect.poll(() => unread.count()).toBe(0);
    // The read position is the server's: another reload shows no count.
    await bob.locator('[data-conversation="3:lobby"]').click();
    await bob.reload();
    await expect.poll(() => status(bob).getAttribute('data-status'), { timeout: STEP_MS }).toBe('CONNECTED');
    await bob.locator('[data-conversation="1:alice"]').waitFor();
    expect(await unread.count()).toBe(0);
  });

  it('bob reloads the page and sees the history', async () => {
    const bob = pages.bob as Page;
    await bob.reload();
    await bob.locator('[data-conversation="1:alice"]').click();
    await message(bob, 'hi bob, 你好').waitFor();
    await message(bob, 'hi alice').waitFor();
    await expect.poll(() => status(bob).getAttribute('data-status'), { timeout: STEP_MS }).toBe('CONNECTED');
    await shot(bob, 'bob-after-reload');
  });

  it('both pages show reconnecting while the server restarts, then recover without a reload', async () => {
    const alice = pages.alice as Page;
    const bob = pages.bob as Page;
    // Set on the live documents: still there afterwards means no page was reloaded.
    for (const page of [alice, bob]) await page.evaluate(() => Object.assign(globalThis, { e2eMarker: 'same document' }));
    await alice.locator('[data-conversation="1:bob"]').click();

    await e2e.stopServer();
    for (const page of [alice, bob]) {
      await expect.poll(() => status(page).getAttribute('data-status'), { timeout: STEP_MS }).toMatch(/^(SUSPEND|CONNECTING)$/);
    }
    await alice.getByLabel('Message').fill('sent while the server was down');
    await alice.getByLabel('Message').press('Enter');
    await shot(alice, 'alice-reconnecting');
    await shot(bob, 'bob-reconnecting');

    await e2e.startServer();
    for (const page of [alice, bob]) {
      await expect.poll(() => status(page).getAttribute('data-status'), { timeout: STEP_MS }).toBe('CONNECTED');
      expect(await page.evaluate(() => (globalThis as { e2eMarker?: string }).e2eMarker)).toBe('same document');
    }
    await alice.locator('.message.mine.sent', { hasText: 'sent while the server was down' }).waitFor();
    await bob.locator('[data-conversation="1:alice"]').click();
    await message(bob, 'sent while the server was down').waitFor();
    await shot(alice, 'alice-recovered');
    await shot(bob, 'bob-recovered');
  }, 45_000);

  it('alice logging in on another web client kicks the first one with the seed prompt', async () => {
    const alice = pages.alice as Page;
    const alice2 = await logIn('alice2', 'alice');
    const prompt = alice.getByRole('alertdialog');
    await prompt.waitFor();
    expect(await prompt.getAttribute('data-code')).toBe('31010');
    await expect.poll(() => prompt.textContent()).toContain('当前账号已在其他设备登录');
    expect(await prompt.textContent()).toContain('this account logged in on another device');
    expect(await status(alice).getAttribute('data-status')).toBe('KICKED_OFFLINE_BY_OTHER_CLIENT');
    expect(await status(alice2).getAttribute('data-status')).toBe('CONNECTED');
    await shot(alice, 'alice-kicked');

    await prompt.getByRole('button', { name: '返回登录 Back to login' }).click();
    await alice.locator('#user-id').waitFor();
    expect(await alice.locator('#user-id').inputValue()).toBe('alice');
    await shot(alice, 'alice-back-at-login');
  });

  it('the console creates an app and blocks bob, whose page then shows the blocked prompt', async () => {
    const bob = pages.bob as Page;
    const devAppKey = (JSON.parse(readFileSync(join(e2e.dataDir.path, 'dev-app.json'), 'utf8')) as { appKey: string }).appKey;
    const admin = await openPage('console', '/console');
    await admin.locator('#admin-token').fill(ADMIN_TOKEN);
    await admin.getByRole('button', { name: '进入 Enter' }).click();
    await admin.locator('[data-figure="connections"] .value').waitFor();
    // alice (second client) and bob are connected.
    await expect.poll(async () => Number(await admin.locator('[data-figure="connections"] .value').textContent()), { timeout: STEP_MS }).toBe(2);

    await admin.getByRole('button', { name: '新建应用 New app' }).click();
    const form = admin.getByRole('form', { name: 'New app' });
    await form.locator('input[name="name"]').fill('e2e-shop');
    await form.locator('select[name="devicePolicy"]').selectOption('single');
    await form.getByRole('button', { name: '创建 Create' }).click();
    const row = admin.locator('tr', { hasText: 'e2e-shop' });
    await row.waitFor();
    expect(await row.textContent()).toContain('仅一台');
    await shot(admin, 'console-app-created');

    await admin.getByLabel('App', { exact: true }).selectOption(devAppKey);
    await admin.getByLabel('User ID').fill('bob');
    await admin.getByRole('button', { name: '查询 Look up' }).click();
    await admin.locator('[data-user="bob"] .devices li', { hasText: 'web' }).waitFor();
    await admin.getByRole('button', { name: '封禁并踢下线 Block & kick' }).click();
    await admin.getByTestId('user-state').locator('.state.blocked').waitFor();
    await shot(admin, 'console-bob-blocked');

    const prompt = bob.getByRole('alertdialog');
    await prompt.waitFor();
    expect(await prompt.getAttribute('data-code')).toBe('31011');
    expect(await prompt.textContent()).toContain('用户被封禁');
    expect(await status(bob).getAttribute('data-status')).toBe('CONN_USER_BLOCKED');
    await shot(bob, 'bob-blocked');
  });

  it('no page threw', () => {
    expect(e2e.pageErrors).toEqual([]);
  });
});
