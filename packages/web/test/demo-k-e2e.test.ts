import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { chromiumE2e, connected, message, screenshots, send, STEP_MS } from './support/chromium-e2e.js';

/**
 * The demo's public chatroom and pinned conversations in real Chromium, against `parley serve` as a
 * real process: two users meet in the room, and a pin set on one page is kept by the server across a
 * reload and on a fresh browser (another device). Screenshots under test-artifacts/e2e-demo-k/<time>/.
 */

/** The demo asks for the member count every 5 s: a change shows within two rounds. */
const MEMBERS_MS = 12_000;
const ROOM = '[data-conversation="4:plaza"]';

const e2e = chromiumE2e('parley-demo-k-e2e-');
const shot = screenshots('e2e-demo-k');
const pages: Record<'alice' | 'bob', Page | undefined> = { alice: undefined, bob: undefined };

const members = (page: Page) => page.getByTestId('room-members').textContent();
/** The conversations in the order the list shows them. */
const order = (page: Page) => page.locator('.conversation-list li .conversation').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-conversation')));

describe('demo chatroom and pins in Chromium', () => {
  it('alice and bob meet in the public chatroom: recent messages on joining, live messages both ways, the member count', async () => {
    const alice = (pages.alice = await e2e.logIn('alice', 'alice'));
    const bob = (pages.bob = await e2e.logIn('bob', 'bob'));

    await alice.locator(ROOM).click();
    await expect.poll(() => members(alice), { timeout: STEP_MS }).toContain('1 人在线');
    await send(alice, 'anyone in the plaza?');

    // bob joins after it was sent: the room's recent messages come with the join.
    await bob.locator(ROOM).click();
    await message(bob, 'anyone in the plaza?').locator('.sender', { hasText: 'alice' }).waitFor();
    await expect.poll(() => members(bob), { timeout: STEP_MS }).toContain('2 人在线');
    await expect.poll(() => members(alice), { timeout: MEMBERS_MS }).toContain('2 人在线');

    await send(bob, 'hi alice, 你好');
    await message(alice, 'hi alice, 你好').locator('.sender', { hasText: 'bob' }).waitFor();
    await send(alice, 'welcome bob');
    await message(bob, 'welcome bob').waitFor();
    // Room messages never become conversations of the list.
    expect(await alice.locator(`.conversation-list ${ROOM}`).count()).toBe(0);
    await shot(alice, 'alice-in-chatroom');

    // A reload joins the room again, with its recent messages.
    await bob.reload();
    await connected(bob);
    await bob.locator(ROOM).getByTestId('lobby-members').waitFor();
    await bob.locator(ROOM).click();
    await message(bob, 'welcome bob').waitFor();
    await message(bob, 'hi alice, 你好').waitFor();

    // bob leaves: alice's count drops, bob's room is offered to join again.
    await bob.getByRole('button', { name: '离开 Leave' }).click();
    await expect.poll(() => bob.locator(ROOM).textContent(), { timeout: STEP_MS }).toContain('Click to join');
    await expect.poll(() => members(alice), { timeout: MEMBERS_MS }).toContain('1 人在线');
    await shot(bob, 'bob-left-chatroom');
  }, 90_000);

  it('a pinned conversation moves to the top and stays pinned after a reload and on another device, until unpinned', async () => {
    const alice = pages.alice as Page;
    await alice.locator('.new-chat .chip', { hasText: 'bob' }).click();
    await send(alice, 'to bob');
    await alice.locator('[data-conversation="3:lobby"]').click();
    await send(alice, 'to the group');
    // Latest first.
    await expect.poll(() => order(alice)).toEqual(['3:lobby', '1:bob']);

    await alice.getByRole('button', { name: '置顶 Pin bob', exact: true }).click();
    // bob's message is older than the group's: only the pin puts it first.
    await expect.poll(() => order(alice)).toEqual(['1:bob', '3:lobby']);
    expect(await alice.getByRole('button', { name: '取消置顶 Unpin bob', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await shot(alice, 'alice-bob-pinned');

    await alice.reload();
    await connected(alice);
    await expect.poll(() => order(alice), { timeout: STEP_MS }).toEqual(['1:bob', '3:lobby']);
    await alice.getByRole('button', { name: '取消置顶 Unpin bob', exact: true }).waitFor();

    // Another browser with nothing stored (it takes over alice's session): the pin comes from the server.
    const other = await e2e.logIn('alice-other-device', 'alice');
    await other.getByRole('button', { name: '取消置顶 Unpin bob', exact: true }).waitFor();
    await message(other, 'to the group').waitFor();
    expect(await order(other)).toEqual(['1:bob', '3:lobby']);
    await shot(other, 'alice-other-device-pinned');

    await other.getByRole('button', { name: '取消置顶 Unpin bob', exact: true }).click();
    await expect.poll(() => order(other)).toEqual(['3:lobby', '1:bob']);
    await other.reload();
    await connected(other);
    await expect.poll(() => order(other), { timeout: STEP_MS }).toEqual(['3:lobby', '1:bob']);
    await other.getByRole('button', { name: '置顶 Pin bob', exact: true }).waitFor();
  }, 90_000);

  it('no page threw', () => {
    expect(e2e.pageErrors).toEqual([]);
  });
});
