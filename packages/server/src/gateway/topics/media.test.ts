import { AckStatus, decodePayload, encodePayload, MediaFileType } from '@parley/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeContext } from '../../../test/support/topic-context.js';
import { makeTempDir } from '../../../test/support/temp-dir.js';
import { MediaService } from '../../core/media/media-service.js';
import { LocalMediaStorage } from '../../media/local/local-media-storage.js';
import type { AppRecord } from '../../store/store.js';
import { mediaTopics } from './media.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const app = (appKey: string) => ({ appKey, appSecret: `secret-${appKey}`, state: 'active' }) as AppRecord;
const NOW = 1_700_000_000_000;

function setup() {
  const dir = makeTempDir('parley-media-topic-');
  cleanups.push(dir.remove);
  const media = new MediaService({ get: async (k) => (k === 'app' || k === 'other' ? app(k) : undefined) }, new LocalMediaStorage(dir.path), () => NOW, { uploadLimitBytes: 1024 * 1024, tokenLifetimeMs: 60_000 });
  return { media, queries: mediaTopics(media, { withinSendRate: async (appKey, userId) => !(appKey === 'app' && userId === 'flooder') }).queries! };
}

const tokenRequest = (key: string, sizeKiB: number) => encodePayload('GetQNupTokenInput', { type: MediaFileType.IMAGE, key, size: sizeKiB });
const urlRequest = (key: string) => encodePayload('GetDownloadUrlInput', { type: MediaFileType.IMAGE, key });

describe('media topics', () => {
  it('grant an upload token for the session user and answer the download URL once the file is uploaded', async () => {
    const { media, queries } = setup();
    const answer = await queries.qnTkn!(tokenRequest('1__RC-a.png', 1), fakeContext());
    expect(answer.status).toBe(AckStatus.SUCCESS);
    const { token, deadline } = decodePayload('GetQNupTokenOutput', answer.payload!);
    expect(deadline).toBe(NOW + 60_000);
    expect(await queries.qnUrl!(urlRequest('1__RC-a.png'), fakeContext())).toEqual({ status: AckStatus.PARAMETER_INVALID });
    const stored = await media.receiveUpload({ token, key: '1__RC-a.png', fileName: 'a.png', bytes: Buffer.from('GIF89a'), baseUrl: new URL('http://127.0.0.1:9/') });
    expect(stored.ok).toBe(true);
    const url = await queries.qnUrl!(urlRequest('1__RC-a.png'), fakeContext());
    expect(decodePayload('GetDownloadUrlOutput', url.payload!).downloadUrl).toMatch(/^http:\/\/127\.0\.0\.1:9\/media\/files\/[0-9a-f]{64}\/[0-9a-f]{32}$/);
  });

  it("never answers another app's file", async () => {
    const { media, queries } = setup();
    const answer = await queries.qnTkn!(tokenRequest('k.png', 1), fakeContext());
    const { token } = decodePayload('GetQNupTokenOutput', answer.payload!);
    expect((await media.receiveUpload({ token, key: 'k.png', fileName: undefined, bytes: Buffer.from('x'), baseUrl: new URL('http://h/') })).ok).toBe(true);
    const otherApp = fakeContext({ session: { ...fakeContext().session, appKey: 'other' } });
    expect(await queries.qnUrl!(urlRequest('k.png'), otherApp)).toEqual({ status: AckStatus.PARAMETER_INVALID });
  });

  it('refuse bad types, keys and sizes over the limit before any upload', async () => {
    const { queries } = setup();
    // A type the schema's enum does not list, as a client could still put on the wire: field 1 = 9, field 2 = "k".
    expect(await queries.qnTkn!(Uint8Array.from([0x08, 0x09, 0x12, 0x01, 0x6b]), fakeContext())).toEqual({ status: AckStatus.PARAMETER_INVALID });
    for (const key of ['', '../etc/passwd', 'a/b.png', 'a\\b', 'a\u0000b', 'x'.repeat(300)]) {
      expect(await queries.qnTkn!(tokenRequest(key, 1), fakeContext())).toEqual({ status: AckStatus.PARAMETER_INVALID });
    }
    expect(await queries.qnTkn!(tokenRequest('big.png', 1025), fakeContext())).toEqual({ status: AckStatus.FILE_SIZE_EXCEEDED });
    expect((await queries.qnTkn!(tokenRequest('fits.png', 1024), fakeContext())).status).toBe(AckStatus.SUCCESS);
    expect(await queries.qnUrl!(urlRequest('../../x'), fakeContext())).toEqual({ status: AckStatus.PARAMETER_INVALID });
  });

  it('grant tokens from the send budget', async () => {
    const { queries } = setup();
    const flooder = fakeContext({ session: { ...fakeContext().session, userId: 'flooder' } });
    expect(await queries.qnTkn!(tokenRequest('k.png', 1), flooder)).toEqual({ status: AckStatus.SEND_FREQUENCY_TOO_FAST });
  });
});
