/**
 * File uploads as the Web SDK 5.38 makes them: QUERY `qnTkn` for an upload token, a multipart POST
 * of `token`, `key` and `file` to navigation's `uploadServer` (the Qiniu form), then QUERY `qnUrl`
 * for the download URL it puts in the message. Parley is its own upload server.
 */

/** The `type` of `qnTkn` and `qnUrl` (the SDK's FileType). */
export const MediaFileType = {
  IMAGE: 1,
  AUDIO: 2,
  VIDEO: 3,
  FILE: 4,
  SIGHT: 5,
  COMBINE_HTML: 6,
} as const;
export type MediaFileType = (typeof MediaFileType)[keyof typeof MediaFileType];

export function isMediaFileType(value: number): value is MediaFileType {
  return Number.isInteger(value) && value >= MediaFileType.IMAGE && value <= MediaFileType.COMBINE_HTML;
}

/** Where files are uploaded (navigation's `uploadServer` names it in full). */
export const MEDIA_UPLOAD_PATH = '/media/upload';
/** Downloads live under this path; what follows is the server's, never the client's. */
export const MEDIA_DOWNLOAD_PATH = '/media/files';

/** The multipart fields of an upload, as the SDK's Qiniu form names them. */
export const UploadField = {
  TOKEN: 'token',
  KEY: 'key',
  FILE: 'file',
} as const;

/** The longest upload key accepted: the SDK's are about 70 characters. */
export const MEDIA_KEY_MAX_LENGTH = 200;

/**
 * Whether `key` may name an upload. The SDK makes keys as `{type}__RC-{date}_{n}_{ms}{uuid}.{ext}`,
 * the extension taken from the user's file name; a key is only ever a name (the server stores by
 * content hash), but one that looks like a path or carries control characters is refused outright.
 */
export function isValidMediaKey(key: string): boolean {
  if (key.length === 0 || key.length > MEDIA_KEY_MAX_LENGTH) return false;
  if (key.includes('..') || /[/\\]/.test(key)) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u001f\u007f]/.test(key);
}
