import { describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig } from '../../config.js';

describe('--upload-limit', () => {
  it('defaults to 20 MB and takes bytes, KB, MB or GB, from the flag or PARLEY_UPLOAD_LIMIT', () => {
    expect(resolveConfig({}, {}).uploadLimit).toBe(20 * 1024 * 1024);
    expect(resolveConfig({ 'upload-limit': '512KB' }, {}).uploadLimit).toBe(512 * 1024);
    expect(resolveConfig({ 'upload-limit': '1048576' }, {}).uploadLimit).toBe(1048576);
    expect(resolveConfig({}, { PARLEY_UPLOAD_LIMIT: '1gb' }).uploadLimit).toBe(1024 ** 3);
  });

  it('refuses sizes it cannot read or outside 1KB..1GB', () => {
    for (const bad of ['20 MB', 'lots', '-1', '2GB', '100', '1TB']) {
      expect(() => resolveConfig({ 'upload-limit': bad }, {})).toThrow(ConfigError);
    }
  });
});
