import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumE2e, connected, message, send, status, STEP_MS } from './support/chromium-e2e.js';

/**
 * One user in several tabs of one browser (pages of one context: one origin, one storage) shares
 * one connection: through the shared worker the demo names, or, with SharedWorker removed from the
 * pages, through the tab elected leader. The server's /metrics counts the connections it holds.
 */
const e2e = chromiumE2e('parley-tabs-e2e-');

async function gatewayConnections(): Promise<number> {
  const metrics = await (await fetch(e2e.url('/metrics'))).text();
  return Number(/^parley_gateway_connections (\d+)/m.exec(metrics)?.[1] ?? 'NaN');
}

async function tabsOf(userId: string, context: BrowserContext): Promise<Page[]> {
  const tabs: Page[] = [];
  for (const n of [1, 2, 3]) tabs.push(await e2e.logIn(`${userId}-${n}`, userId, context));
  return tabs;
}

const privateChat = (page: Page, peer: string) => page.locator(`[data-conversation="1:${peer}"]`);

/** Every tab shows `text` exactly once in its open conversation with `peer`. */
async function eachShowsOnce(tabs: Page[], peer: string, text: string): Promise<void> {
  for (const tab of tabs) {
    await privateChat(tab, peer).click();
    await message(tab, text).waitFor();
    expect(await message(tab, text).count()).toBe(1);
  }
}

let bob: Page;
let carol: Page[];
let carolBrowser: BrowserContext;

/** Keeps every status the page's badge shows from now on, in `window.statusesSeen`. */
async function recordStatuses(page: Page): Promise<void> {
  await page.evaluate(() => {
    const badge = document.querySelector('[data-testid="status"]') as HTMLElement;
    const seen: string[] = [];
    Object.assign(globalThis, { statusesSeen: seen });
    new MutationObserver(() => seen.push(badge.dataset.status ?? '')).observe(badge, { attributes: true, attributeFilter: ['data-status'] });
  });
}

describe('one user, many tabs, one connection (Chromium)', () => {
  it('three tabs of carol stay connected on one connection held by the shared worker, and each gets a message once', async () => {
    bob = await e2e.logIn('bob', 'bob');
    carolBrowser = await e2e.newContext();
    carol = await tabsOf('carol', carolBrowser);
    for (const tab of carol) await connected(tab);
    await expect.poll(gatewayConnections, { timeout: STEP_MS }).toBe(2);

    await bob.locator('.new-chat .chip', { hasText: 'carol' }).click();
    await send(bob, 'hello, every tab');
    await eachShowsOnce(carol, 'bob', 'hello, every tab');
  }, 60_000);

  it('a send from each tab reaches bob once and in order; the other tabs show it too', async () => {
    for (const [i, tab] of carol.entries()) await send(tab, `from tab ${i + 1}`);
    await privateChat(bob, 'carol').click();
    await message(bob, 'from tab 3').waitFor();
    const texts = (await bob.locator('.message').allTextContents()).filter((t) => t.includes('from tab'));
    expect(texts.map((t) => /from tab \d/.exec(t)?.[0])).toEqual(['from tab 1', 'from tab 2', 'from tab 3']);
    // As another device of carol's would, each tab shows what the others sent.
    await eachShowsOnce(carol, 'bob', 'from tab 2');
  }, 60_000);

  it('the server restarts under the three tabs: all come back, on one connection', async () => {
    await e2e.stopServer();
    for (const tab of carol) await expect.poll(() => status(tab).getAttribute('data-status'), { timeout: STEP_MS }).toMatch(/^(SUSPEND|CONNECTING)$/);
    await e2e.startServer();
    for (const tab of carol) await connected(tab);
    await expect.poll(gatewayConnections, { timeout: STEP_MS }).toBe(2);
  }, 60_000);

  it('the shared worker ends: every tab says SUSPEND and is back on a new worker by itself', async () => {
    for (const tab of carol) await recordStatuses(tab);
    const cdp = await carolBrowser.newCDPSession(carol[0]!);
    type TargetInfo = { type: string; targetId: string; url: string; browserContextId: string };
    const { targetInfo: page } = (await cdp.send('Target.getTargetInfo')) as { targetInfo: TargetInfo };
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: TargetInfo[] };
    // bob's browser has a worker of its own.
    const workers = targetInfos.filter((t) => t.type === 'shared_worker' && t.browserContextId === page.browserContextId);
    expect(workers).toHaveLength(1);
    await cdp.send('Target.closeTarget', { targetId: workers[0]!.targetId });
    for (const tab of carol) {
      await expect.poll(() => tab.evaluate(() => (globalThis as { statusesSeen?: string[] }).statusesSeen), { timeout: STEP_MS }).toContain('SUSPEND');
      await connected(tab);
    }
    await expect.poll(gatewayConnections, { timeout: STEP_MS }).toBe(2);
    await cdp.detach();
  }, 60_000);

  it('carol logging in on another device kicks all three tabs, each with the seed prompt', async () => {
    await e2e.logIn('carol-elsewhere', 'carol');
    for (const tab of carol) {
      const prompt = tab.getByRole('alertdialog');
      await prompt.waitFor();
      expect(await prompt.getAttribute('data-code')).toBe('31010');
      await expect.poll(() => prompt.textContent()).toContain('当前账号已在其他设备登录');
      expect(await status(tab).getAttribute('data-status')).toBe('KICKED_OFFLINE_BY_OTHER_CLIENT');
    }
    await expect.poll(gatewayConnections, { timeout: STEP_MS }).toBe(2);
  }, 60_000);

  it('without SharedWorker a leader tab holds the connection; closing it hands over with nothing lost or sent twice', async () => {
    const context = await e2e.newContext();
    await context.addInitScript(() => delete (globalThis as { SharedWorker?: unknown }).SharedWorker);
    const dave = await tabsOf('dave', context);
    expect(await dave[0]!.evaluate(() => typeof (globalThis as { SharedWorker?: unknown }).SharedWorker)).toBe('undefined');
    await expect.poll(gatewayConnections, { timeout: STEP_MS }).toBe(3);
    await bob.locator('.new-chat .chip', { hasText: 'dave' }).click();
    await send(bob, 'before the handover');
    await eachShowsOnce(dave, 'bob', 'before the handover');

    // The first tab won the election; the two left send while it goes, without waiting for the new leader.
    const [leader, second, third] = dave as [Page, Page, Page];
    await leader.close();
    for (const [tab, text] of [[second, 'sent during the handover 2'], [third, 'sent during the handover 3']] as const) {
      await tab.getByLabel('Message').fill(text);
      await tab.getByLabel('Message').press('Enter');
    }
    for (const [tab, text] of [[second, 'sent during the handover 2'], [third, 'sent during the handover 3']] as const) {
      await tab.locator('.message.mine.sent', { hasText: text }).waitFor();
      await connected(tab);
    }
    await privateChat(bob, 'dave').click();
    for (const text of ['sent during the handover 2', 'sent during the handover 3']) {
      await message(bob, text).waitFor();
      expect(await message(bob, text).count()).toBe(1);
    }
    await send(bob, 'after the handover');
    await eachShowsOnce([second, third], 'bob', 'after the handover');
    await expect.poll(gatewayConnections, { timeout: STEP_MS }).toBe(3);

    // Logging out in one tab ends the session for the other too.
    await second.getByRole('button', { name: '退出 Log out' }).click();
    await third.locator('#user-id').waitFor();
    await expect.poll(gatewayConnections, { timeout: STEP_MS }).toBe(2);
  }, 60_000);

  it('no page threw', () => {
    expect(e2e.pageErrors).toEqual([]);
  });
});
