/** One part of a `multipart/form-data` body. */
export interface FormPart {
  name: string;
  /** Present for file parts; the client's, so only ever shown, never used as a path. */
  fileName: string | undefined;
  data: Buffer;
}

export type MultipartResult = { ok: true; parts: FormPart[] } | { ok: false; problem: string };

/** An upload form has three fields; a body with more parts than this is not one. */
export const MAX_FORM_PARTS = 8;
const MAX_PART_HEADER_BYTES = 4096;

/** The boundary of a `multipart/form-data` Content-Type, or undefined when it is not one. */
export function boundaryOf(contentType: string | undefined): string | undefined {
  if (!contentType || !/^multipart\/form-data\s*;/i.test(contentType)) return undefined;
  const match = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/**
 * Splits a whole multipart body (RFC 7578) into its parts. The body is already bounded in size by
 * the caller; the number of parts and the size of each part's headers are bounded here.
 */
export function parseMultipart(body: Buffer, boundary: string): MultipartResult {
  const delimiter = Buffer.from(`--${boundary}`);
  let position = body.indexOf(delimiter);
  if (position < 0) return { ok: false, problem: 'no multipart boundary in the body' };
  const parts: FormPart[] = [];
  for (;;) {
    position += delimiter.length;
    if (body.subarray(position, position + 2).toString('latin1') === '--') return { ok: true, parts };
    if (body.subarray(position, position + 2).toString('latin1') !== '\r\n') return { ok: false, problem: 'malformed multipart delimiter' };
    position += 2;
    if (parts.length === MAX_FORM_PARTS) return { ok: false, problem: `more than ${MAX_FORM_PARTS} form parts` };
    const headerEnd = body.indexOf('\r\n\r\n', position);
    if (headerEnd < 0 || headerEnd - position > MAX_PART_HEADER_BYTES) return { ok: false, problem: 'malformed part headers' };
    const disposition = partDisposition(body.subarray(position, headerEnd).toString('utf8'));
    if (!disposition) return { ok: false, problem: 'a part without a form-data name' };
    const dataStart = headerEnd + 4;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), dataStart);
    if (next < 0) return { ok: false, problem: 'unterminated part' };
    parts.push({ ...disposition, data: body.subarray(dataStart, next) });
    position = next + 2;
  }
}

function partDisposition(headers: string): { name: string; fileName: string | undefined } | undefined {
  const line = headers.split('\r\n').find((h) => /^content-disposition\s*:/i.test(h));
  if (!line || !/:\s*form-data\s*(;|$)/i.test(line)) return undefined;
  const name = paramOf(line, 'name');
  if (name === undefined) return undefined;
  return { name, fileName: paramOf(line, 'filename') };
}

function paramOf(line: string, param: string): string | undefined {
  const match = new RegExp(`;\\s*${param}="((?:[^"\\\\]|\\\\.)*)"`, 'i').exec(line) ?? new RegExp(`;\\s*${param}=([^;\\s"]+)`, 'i').exec(line);
  return match?.[1]?.replace(/\\(.)/g, '$1');
}
