import { describe, expect, it } from 'vitest';
import type { GetHistoryMessageResult } from '@rongcloud/imlib-next';
import type { HistoryOptions, OfficialClient, SdkResult } from '../support/official-sdk/official-client.js';
import { officialSdkSuite } from '../support/official-sdk/official-sdk-suite.js';
import { callServerApi } from '../support/server-api-client.js';

/**
 * Group history (`qryGMsg`) through the unmodified official Web SDK: only a current member reads it,
 * and only what was sent while they were a member. Every test uses its own user and group ids.
 */
const NOT_IN_GROUP = 22406;

const suite = officialSdkSuite();
const { login } = suite;

async function groupCall(path: 'create' | 'join' | 'quit' | 'dismiss', groupId: string, userIds: string[]): Promise<void> {
  const params = { groupId, userId: userIds, ...(path === 'create' ? { groupName: groupId } : {}) };
  expect((await callServerApi(suite.server.url, `group/${path}`, params, suite.dev)).body).toEqual({ code: 200 });
}

/**
 * Sends texts one by one, then waits past the last one's sent time before the test changes memberships,
 * since membership periods are kept to the millisecond.
 */
async function send(sender: OfficialClient, groupId: string, ...texts: string[]): Promise<void> {
  let sentTime = 0;
  for (const text of texts) {
    const sent = await sender.sendText(3, groupId, text);
    expect(sent.code).toBe(0);
    sentTime = sent.data!.sentTime;
  }
  while (Date.now() <= sentTime) await new Promise((r) => setTimeout(r, 1));
}

const texts = (result: SdkResult<GetHistoryMessageResult>) => result.data!.list.map((m) => (m.content as { content: string }).content);

async function history(client: OfficialClient, groupId: string, options: HistoryOptions = {}): Promise<SdkResult<GetHistoryMessageResult>> {
  return client.getHistoryMessages(3, groupId, { timestamp: 0, count: 20, order: 0, ...options });
}

describe('official Web SDK: who reads a group history', () => {
  it('gives a member the normal history, paged', async () => {
    await groupCall('create', 'ha-team', ['ha-alice', 'ha-bob']);
    const alice = await login('ha-alice');
    await send(alice, 'ha-team', 'm0', 'm1', 'm2');
    const bob = await login('ha-bob');
    const page = await history(bob, 'ha-team', { count: 2 });
    expect(page.code).toBe(0);
    expect(texts(page)).toEqual(['m1', 'm2']);
    expect(page.data!.hasMore).toBe(true);
    const rest = await history(bob, 'ha-team', { count: 2, timestamp: page.data!.list[0]!.sentTime });
    expect(texts(rest)).toEqual(['m0']);
    expect(rest.data!.hasMore).toBe(false);
    const newer = await history(bob, 'ha-team', { order: 1, timestamp: page.data!.list[0]!.sentTime });
    expect(texts(newer)).toEqual(['m2']);
  });

  it('refuses a user who never joined, with 22406 and no messages', async () => {
    await groupCall('create', 'hb-team', ['hb-alice']);
    const alice = await login('hb-alice');
    await send(alice, 'hb-team', 'secret');
    const outsider = await login('hb-eve');
    const answer = await history(outsider, 'hb-team');
    expect(answer.code).toBe(NOT_IN_GROUP);
    expect(answer.data?.list ?? []).toEqual([]);
    // A group that does not exist answers the same, so an outsider cannot tell the two apart.
    expect((await history(outsider, 'hb-no-such-group')).code).toBe(NOT_IN_GROUP);
  });

  it('refuses a member who quit, including what was sent before they left', async () => {
    await groupCall('create', 'hc-team', ['hc-alice', 'hc-bob']);
    const alice = await login('hc-alice');
    const bob = await login('hc-bob');
    await send(alice, 'hc-team', 'while bob was in');
    expect(texts(await history(bob, 'hc-team'))).toEqual(['while bob was in']);
    await groupCall('quit', 'hc-team', ['hc-bob']);
    await send(alice, 'hc-team', 'after bob left');
    expect((await history(bob, 'hc-team')).code).toBe(NOT_IN_GROUP);
    expect((await history(bob, 'hc-team', { order: 1 })).code).toBe(NOT_IN_GROUP);
  });

  it('shows a member who quit and re-joined both membership periods but not the gap, paging across them', async () => {
    await groupCall('create', 'hd-team', ['hd-alice']);
    const alice = await login('hd-alice');
    await send(alice, 'hd-team', 'before bob');
    await groupCall('join', 'hd-team', ['hd-bob']);
    await send(alice, 'hd-team', 'first 1', 'first 2');
    await groupCall('quit', 'hd-team', ['hd-bob']);
    await send(alice, 'hd-team', 'gap 1', 'gap 2');
    await groupCall('join', 'hd-team', ['hd-bob']);
    await send(alice, 'hd-team', 'second 1', 'second 2');

    const bob = await login('hd-bob');
    expect(texts(await history(bob, 'hd-team'))).toEqual(['first 1', 'first 2', 'second 1', 'second 2']);

    // A page that spans the gap: it is full, and the next page goes on from its oldest message.
    const page = await history(bob, 'hd-team', { count: 3 });
    expect(texts(page)).toEqual(['first 2', 'second 1', 'second 2']);
    expect(page.data!.hasMore).toBe(true);
    const rest = await history(bob, 'hd-team', { count: 3, timestamp: page.data!.list[0]!.sentTime });
    expect(texts(rest)).toEqual(['first 1']);
    expect(rest.data!.hasMore).toBe(false);

    // Newer than a point before everything: oldest first, still without the gap.
    const forward = await history(bob, 'hd-team', { order: 1, timestamp: 1, count: 3 });
    expect(texts(forward)).toEqual(['first 1', 'first 2', 'second 1']);
    expect(forward.data!.hasMore).toBe(true);
  });

  it('does not show a new member what was sent before they joined', async () => {
    await groupCall('create', 'he-team', ['he-alice']);
    const alice = await login('he-alice');
    await send(alice, 'he-team', 'old 1', 'old 2');
    await groupCall('join', 'he-team', ['he-bob']);
    await send(alice, 'he-team', 'welcome');
    const bob = await login('he-bob');
    const answer = await history(bob, 'he-team');
    expect(answer.code).toBe(0);
    expect(texts(answer)).toEqual(['welcome']);
    expect(answer.data!.hasMore).toBe(false);
  });

  it('refuses every former member of a dismissed group', async () => {
    await groupCall('create', 'hf-team', ['hf-alice', 'hf-bob']);
    const alice = await login('hf-alice');
    const bob = await login('hf-bob');
    await send(alice, 'hf-team', 'before the end');
    await groupCall('dismiss', 'hf-team', ['hf-alice']);
    expect((await history(alice, 'hf-team')).code).toBe(NOT_IN_GROUP);
    expect((await history(bob, 'hf-team')).code).toBe(NOT_IN_GROUP);
    // A group re-created under the same id starts without the old one's messages, for everyone.
    await groupCall('create', 'hf-team', ['hf-bob']);
    const again = await history(bob, 'hf-team');
    expect(again.code).toBe(0);
    expect(texts(again)).toEqual([]);
  });
});
