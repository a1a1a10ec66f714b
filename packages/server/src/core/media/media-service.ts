import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { AckStatus, isMediaFileType, isValidMediaKey, MEDIA_DOWNLOAD_PATH } from '@parley/protocol';
import type { MediaRecord, MediaStorage } from '../../media/media-storage.js';
import { isStorageName } from '../../media/media-storage.js';
import type { AppRecord } from '../../store/store.js';
import { sniffServedType } from './sniff.js';
import { readGrant, signUploadToken, uploadTokenKey, verifyUploadToken } from './upload-token.js';

export interface MediaOptions {
  /** The largest file one upload may carry, bytes (`--upload-limit`). */
  uploadLimitBytes: number;
  /** How long an upload token is accepted, ms. */
  tokenLifetimeMs: number;
}

export const DEFAULT_UPLOAD_TOKEN_LIFETIME_MS = 15 * 60_000;

export type GrantAnswer = { ok: true; token: string; deadline: number } | { ok: false; status: number };

/** An upload the HTTP edge has read and split; nothing in it is trusted yet. */
export interface UploadInput {
  token: string;
  key: string;
  /** The multipart file name, shown in downloads only. */
  fileName: string | undefined;
  bytes: Uint8Array;
  /** Where this server was reached, for the download URL (http/public-url.ts). */
  baseUrl: URL;
}

/** A refusal with its HTTP status, said once here for the upload route. */
export type UploadRefusal = { status: 400 | 401 | 403 | 409 | 413; message: string };
export type UploadResult = { ok: true; record: MediaRecord } | ({ ok: false } & UploadRefusal);

/**
 * File uploads: the upload token a client asks for over RMTP (`qnTkn`), the upload it then POSTs,
 * and the download URL the message carries (`qnUrl`). A file belongs to the app it was uploaded to:
 * its record is found by app and key, so another app's users cannot ask for its URL, and the URL
 * itself carries a random code, so neither a key nor a record id is enough to download it.
 */
export class MediaService {
  constructor(
    private readonly apps: { get(appKey: string): Promise<AppRecord | undefined> },
    private readonly storage: MediaStorage,
    private readonly now: () => number,
    readonly options: MediaOptions,
  ) {}

  /** A token for one upload of `key` by this user; refused when the file is already known to be too large. */
  async grantUpload(appKey: string, userId: string, request: { fileType: number; key: string; sizeKiB: number }): Promise<GrantAnswer> {
    if (!isMediaFileType(request.fileType) || !isValidMediaKey(request.key) || !Number.isFinite(request.sizeKiB) || request.sizeKiB < 0) {
      return { ok: false, status: AckStatus.PARAMETER_INVALID };
    }
    if (request.sizeKiB * 1024 > this.options.uploadLimitBytes + 1023) return { ok: false, status: AckStatus.FILE_SIZE_EXCEEDED };
    const app = await this.apps.get(appKey);
    if (!app || app.state !== 'active') return { ok: false, status: AckStatus.PARAMETER_INVALID };
    const deadline = this.now() + this.options.tokenLifetimeMs;
    const token = signUploadToken({ appKey, userId, fileType: request.fileType, key: request.key, expiresAt: deadline }, uploadTokenKey(app.appSecret));
    return { ok: true, token, deadline };
  }

  /** Checks an upload and stores it; a refusal stores nothing. */
  async receiveUpload(input: UploadInput): Promise<UploadResult> {
    const claimed = readGrant(input.token);
    const app = claimed ? await this.apps.get(claimed.appKey) : undefined;
    const check = verifyUploadToken(input.token, (appKey) => (app && app.appKey === appKey && app.state === 'active' ? uploadTokenKey(app.appSecret) : undefined), this.now());
    if (!check.ok) return { ok: false, status: 401, message: check.reason === 'expired' ? 'upload token expired' : 'upload token invalid' };
    const { grant } = check;
    if (!isValidMediaKey(input.key)) return { ok: false, status: 400, message: 'invalid key' };
    if (input.key !== grant.key) return { ok: false, status: 403, message: 'the upload token is for another key' };
    if (input.bytes.byteLength > this.options.uploadLimitBytes) return { ok: false, status: 413, message: `file larger than ${this.options.uploadLimitBytes} bytes` };
    const id = recordIdOf(grant.appKey, grant.key);
    if (await this.storage.getRecord(id)) return { ok: false, status: 409, message: 'a file was already uploaded with this key' };
    const sha256 = createHash('sha256').update(input.bytes).digest('hex');
    const served = sniffServedType(input.bytes.subarray(0, 16));
    const accessCode = randomBytes(16).toString('hex');
    const record: MediaRecord = {
      appKey: grant.appKey,
      key: grant.key,
      uploaderId: grant.userId,
      fileType: grant.fileType,
      sha256,
      size: input.bytes.byteLength,
      ...served,
      fileName: cleanFileName(input.fileName) ?? grant.key,
      downloadUrl: new URL(`${MEDIA_DOWNLOAD_PATH}/${id}/${accessCode}`, input.baseUrl).href,
      accessCode,
      createdAt: this.now(),
    };
    await this.storage.putBlob(sha256, input.bytes);
    if (!(await this.storage.createRecord(id, record))) return { ok: false, status: 409, message: 'a file was already uploaded with this key' };
    return { ok: true, record };
  }

  /** The download URL of a file uploaded to this app under `key`, or undefined when there is none. */
  async downloadUrlOf(appKey: string, key: string): Promise<string | undefined> {
    if (!isValidMediaKey(key)) return undefined;
    return (await this.storage.getRecord(recordIdOf(appKey, key)))?.downloadUrl;
  }

  /** The file a download URL names, when its code matches. */
  async openDownload(id: string, accessCode: string): Promise<{ record: MediaRecord; body: Readable } | undefined> {
    if (!isStorageName(id) || !/^[0-9a-f]{32}$/.test(accessCode)) return undefined;
    const record = await this.storage.getRecord(id);
    if (!record || !timingSafeEqual(Buffer.from(record.accessCode), Buffer.from(accessCode))) return undefined;
    const body = await this.storage.openBlob(record.sha256);
    return body ? { record, body } : undefined;
  }

  /** Forgets files uploaded before `cutoff`, at most `limit` entries a call. */
  purgeBefore(cutoff: number, limit: number): Promise<number> {
    return this.storage.purgeBefore(cutoff, limit);
  }
}

/** Where an upload's record lives: a hash of app and key, so no client input becomes a name. */
export function recordIdOf(appKey: string, key: string): string {
  return createHash('sha256').update(appKey).update('\0').update(key).digest('hex');
}

/** The last segment of a client's file name without control characters or quotes, bounded; undefined when nothing is left. */
export function cleanFileName(name: string | undefined): string | undefined {
  // eslint-disable-next-line no-control-regex
  const cleaned = (name ?? '').split(/[/\\]/).pop()?.replace(/[\u0000-\u001f\u007f"]/g, '').trim().slice(0, 200) ?? '';
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? undefined : cleaned;
}
