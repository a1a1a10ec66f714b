/**
 * How a stored file is served, decided from its first bytes alone: the uploader's file name and
 * declared type are never trusted, so an HTML page named `.png` cannot be served as anything a
 * browser would render or run.
 */
export interface ServedType {
  contentType: string;
  /** `inline` only for raster images; everything else downloads (`Content-Disposition: attachment`). */
  disposition: 'inline' | 'attachment';
}

interface Signature {
  type: string;
  at: number;
  bytes: readonly number[];
  /** A second marker some formats need (RIFF containers, ISO media). */
  also?: { at: number; bytes: readonly number[] };
}

const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

// Raster images only: SVG is a document that can carry script, so it is never served inline.
const IMAGES: readonly Signature[] = [
  { type: 'image/png', at: 0, bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', at: 0, bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', at: 0, bytes: ascii('GIF87a') },
  { type: 'image/gif', at: 0, bytes: ascii('GIF89a') },
  { type: 'image/webp', at: 0, bytes: ascii('RIFF'), also: { at: 8, bytes: ascii('WEBP') } },
  { type: 'image/bmp', at: 0, bytes: ascii('BM') },
];

// Media the players need typed; served as attachments all the same.
const MEDIA: readonly Signature[] = [
  { type: 'audio/amr', at: 0, bytes: ascii('#!AMR') },
  { type: 'audio/mpeg', at: 0, bytes: ascii('ID3') },
  { type: 'audio/ogg', at: 0, bytes: ascii('OggS') },
  { type: 'audio/wav', at: 0, bytes: ascii('RIFF'), also: { at: 8, bytes: ascii('WAVE') } },
  { type: 'video/mp4', at: 4, bytes: ascii('ftyp') },
  { type: 'video/webm', at: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3] },
  { type: 'application/pdf', at: 0, bytes: ascii('%PDF-') },
];

const OCTET_STREAM: ServedType = { contentType: 'application/octet-stream', disposition: 'attachment' };

export function sniffServedType(head: Uint8Array): ServedType {
  const image = IMAGES.find((s) => matches(head, s));
  if (image) return { contentType: image.type, disposition: 'inline' };
  const media = MEDIA.find((s) => matches(head, s));
  return media ? { contentType: media.type, disposition: 'attachment' } : OCTET_STREAM;
}

function matches(head: Uint8Array, signature: Signature): boolean {
  const at = (offset: number, bytes: readonly number[]) => bytes.every((b, i) => head[offset + i] === b);
  return at(signature.at, signature.bytes) && (signature.also === undefined || at(signature.also.at, signature.also.bytes));
}
