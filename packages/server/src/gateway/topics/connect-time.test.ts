import { decodePayload, encodePayload } from '@parley/protocol';
import { describe, expect, it } from 'vitest';
import { fakeContext } from '../../../test/support/topic-context.js';
import { connectTimeTopics } from './connect-time.js';

describe('connect-time topics', () => {
  const queries = connectTimeTopics.queries!;

  it('answer empty and echo the client’s own version, so the SDK does not ask again', async () => {
    const settings = await queries.pullUS!(encodePayload('PullUserSettingInput', { version: 7 }), fakeContext());
    expect(decodePayload('PullUserSettingOutput', settings.payload!)).toMatchObject({ version: 7, items: [] });
  });

  it('accept the SDK report with nothing to answer', async () => {
    expect(await queries.reportsdk!(new Uint8Array(0), fakeContext())).toEqual({ status: 0, payload: undefined });
  });
});
