import { describe, expect, it } from 'vitest';
import { boundaryOf, MAX_FORM_PARTS, parseMultipart } from './multipart.js';

const form = async (fields: Record<string, string | Blob>) => {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value instanceof Blob) data.set(name, value, 'pic.png');
    else data.set(name, value);
  }
  const request = new Request('http://x/', { method: 'POST', body: data });
  return { body: Buffer.from(await request.arrayBuffer()), contentType: request.headers.get('content-type') ?? '' };
};

describe('multipart bodies', () => {
  it('parses what FormData sends: fields and a file with its name, byte for byte', async () => {
    const file = new Uint8Array([0, 13, 10, 45, 45, 255, 1, 2]);
    const { body, contentType } = await form({ token: 't', key: 'k.png', file: new Blob([file]) });
    const boundary = boundaryOf(contentType);
    expect(boundary).toBeDefined();
    const result = parseMultipart(body, boundary ?? '');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.parts.map((p) => [p.name, p.fileName])).toEqual([['token', undefined], ['key', undefined], ['file', 'pic.png']]);
    expect(result.parts[2]?.data).toEqual(Buffer.from(file));
    expect(result.parts[0]?.data.toString()).toBe('t');
  });

  it('finds the boundary only in a multipart/form-data type', () => {
    expect(boundaryOf('multipart/form-data; boundary=abc')).toBe('abc');
    expect(boundaryOf('multipart/form-data; boundary="a b"')).toBe('a b');
    expect(boundaryOf('application/json')).toBeUndefined();
    expect(boundaryOf('multipart/form-data')).toBeUndefined();
    expect(boundaryOf(undefined)).toBeUndefined();
  });

  it('refuses malformed bodies and too many parts', () => {
    const part = (name: string) => `--b\r\nContent-Disposition: form-data; name="${name}"\r\n\r\nv\r\n`;
    expect(parseMultipart(Buffer.from('nothing'), 'b').ok).toBe(false);
    expect(parseMultipart(Buffer.from('--b\r\nContent-Disposition: form-data; name="a"\r\n\r\nunterminated'), 'b').ok).toBe(false);
    expect(parseMultipart(Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--'), 'b').ok).toBe(false);
    expect(parseMultipart(Buffer.from('--bXX'), 'b').ok).toBe(false);
    const many = Array.from({ length: MAX_FORM_PARTS + 1 }, (_, i) => part(`f${i}`)).join('') + '--b--';
    expect(parseMultipart(Buffer.from(many), 'b')).toEqual({ ok: false, problem: `more than ${MAX_FORM_PARTS} form parts` });
    expect(parseMultipart(Buffer.from(part('a') + '--b--'), 'b').ok).toBe(true);
  });
});
