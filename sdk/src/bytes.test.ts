import { describe, expect, it } from 'vitest';
import { formatBytes } from './bytes.js';

describe('formatBytes', () => {
  it.each([
    [0, '0 B', '0\u00a0Б'],
    [1, '1 B', '1\u00a0Б'],
    [512, '512 B', '512\u00a0Б'],
    [1_024, '1 KiB', '1\u00a0КиБ'],
    [65_536, '64 KiB', '64\u00a0КиБ'],
    [1_048_576, '1 MiB', '1\u00a0МиБ'],
    [104_857_600, '100 MiB', '100\u00a0МиБ'],
    [1_073_741_824, '1 GiB', '1\u00a0ГиБ'],
    [1_099_511_627_776, '1 TiB', '1\u00a0ТиБ'],
    [1_024_000, '1,000 KiB', '1\u00a0000\u00a0КиБ'],
    [1_500, '1,500 B', '1\u00a0500\u00a0Б'],
    [1_000_000, '1,000,000 B', '1\u00a0000\u00a0000\u00a0Б'],
    [1_048_577, '1,048,577 B', '1\u00a0048\u00a0577\u00a0Б'],
  ])('writes %i bytes as %s in English and %s in Russian, exactly', (bytes, english, russian) => {
    expect(formatBytes(bytes)).toBe(english);
    expect(formatBytes(bytes, { locale: 'en' })).toBe(english);
    expect(formatBytes(bytes, { locale: 'ru' })).toBe(russian);
  });

  it('goes up to PiB, as far as safe integers reach', () => {
    expect(formatBytes(1024 ** 5)).toBe('1 PiB');
    expect(formatBytes(7 * 1024 ** 5, { locale: 'ru' })).toBe('7\u00a0ПиБ');
    expect(formatBytes(Number.MAX_SAFE_INTEGER)).toBe('9,007,199,254,740,991 B');
  });

  it('refuses what is not a whole, non-negative number of bytes', () => {
    expect(() => formatBytes(-1)).toThrow(RangeError);
    expect(() => formatBytes(1.5)).toThrow(RangeError);
    expect(() => formatBytes(Number.NaN)).toThrow(RangeError);
  });
});
