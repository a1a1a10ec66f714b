import type { Readable } from 'node:stream';

/** What the server knows of an uploaded file: who put it there, and how it is served. */
export interface MediaRecord {
  appKey: string;
  /** The upload key the client chose (the SDK asks for the download URL by it). */
  key: string;
  uploaderId: string;
  fileType: number;
  sha256: string;
  size: number;
  contentType: string;
  disposition: 'inline' | 'attachment';
  /** The client's file name, cleaned for a header; only ever shown. */
  fileName: string;
  /** The download URL handed out, made where the upload was received. */
  downloadUrl: string;
  /** The random part of the download URL: knowing the key is not enough to fetch a file. */
  accessCode: string;
  createdAt: number;
}

/**
 * The file store port: blobs by SHA-256, and the record of each upload by a server-made id. The
 * local-disk implementation is `local/local-media-storage.ts`; an S3-compatible one would keep
 * blobs as objects `blobs/<sha256>` and records as small JSON objects `records/<id>` (README,
 * "File uploads"). Nothing of a client's input becomes a name here: ids and hashes are hex.
 */
export interface MediaStorage {
  /** Stores the bytes under their hash; storing the same bytes again only renews them. */
  putBlob(sha256: string, bytes: Uint8Array): Promise<void>;
  /** The blob's bytes as a stream, or undefined when it is gone. */
  openBlob(sha256: string): Promise<Readable | undefined>;
  /** Writes the record unless one exists under `id`; false when it did. */
  createRecord(id: string, record: MediaRecord): Promise<boolean>;
  getRecord(id: string): Promise<MediaRecord | undefined>;
  /** Removes records and blobs last written before `cutoff` (ms), at most `limit` of each; returns how many. */
  purgeBefore(cutoff: number, limit: number): Promise<number>;
}

/** Ids and hashes are lowercase hex of a SHA-256. */
export function isStorageName(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}
