import { describe, expect, it } from 'vitest';
import { sniffServedType } from './sniff.js';

const bytes = (...parts: (string | number[])[]) => Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...Buffer.from(p, 'latin1')] : p)));

describe('served type sniffing', () => {
  it('serves raster images inline with their type', () => {
    expect(sniffServedType(bytes([0x89], 'PNG\r\n\x1a\n', [0, 0]))).toEqual({ contentType: 'image/png', disposition: 'inline' });
    expect(sniffServedType(bytes([0xff, 0xd8, 0xff, 0xe0]))).toEqual({ contentType: 'image/jpeg', disposition: 'inline' });
    expect(sniffServedType(bytes('GIF89a...'))).toEqual({ contentType: 'image/gif', disposition: 'inline' });
    expect(sniffServedType(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 '))).toEqual({ contentType: 'image/webp', disposition: 'inline' });
  });

  it('serves audio, video and PDF typed but as attachments', () => {
    expect(sniffServedType(bytes('#!AMR\n'))).toEqual({ contentType: 'audio/amr', disposition: 'attachment' });
    expect(sniffServedType(bytes([0, 0, 0, 0x18], 'ftypmp42'))).toEqual({ contentType: 'video/mp4', disposition: 'attachment' });
    expect(sniffServedType(bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt '))).toEqual({ contentType: 'audio/wav', disposition: 'attachment' });
    expect(sniffServedType(bytes('%PDF-1.7'))).toEqual({ contentType: 'application/pdf', disposition: 'attachment' });
  });

  it('serves HTML, SVG, scripts and anything unknown as an octet-stream attachment, whatever they are named', () => {
    for (const content of ['<!doctype html><script>alert(1)</script>', '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', 'alert(1)', '', 'RIFFxxxxAVI ']) {
      expect(sniffServedType(bytes(content))).toEqual({ contentType: 'application/octet-stream', disposition: 'attachment' });
    }
  });

  it('does not read past a short head', () => {
    expect(sniffServedType(bytes([0x89, 0x50]))).toEqual({ contentType: 'application/octet-stream', disposition: 'attachment' });
    expect(sniffServedType(bytes('RIFF'))).toEqual({ contentType: 'application/octet-stream', disposition: 'attachment' });
  });
});
