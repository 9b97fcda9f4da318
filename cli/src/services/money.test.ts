import { describe, expect, it } from 'vitest';
import { formatUsd, parseUsd } from './money.js';

describe('parseUsd, as the CLI reads --amount (English)', () => {
  it('converts decimal dollars to exact micros', () => {
    expect(parseUsd('10')).toEqual({ ok: true, micros: 10_000_000 });
    expect(parseUsd('12.50')).toEqual({ ok: true, micros: 12_500_000 });
    expect(parseUsd('0.29')).toEqual({ ok: true, micros: 290_000 });
    expect(parseUsd('1.005')).toEqual({ ok: true, micros: 1_005_000 });
    expect(parseUsd('0.000001')).toEqual({ ok: true, micros: 1 });
    expect(parseUsd('$5')).toEqual({ ok: true, micros: 5_000_000 });
    expect(parseUsd('1,000')).toEqual({ ok: true, micros: 1_000_000_000 });
  });

  it('refuses what is not a plain non-negative amount with at most six decimals', () => {
    for (const text of ['', '-1', '1.0000001', '1e3', '12,50', 'ten', '.5', '5.', 'NaN', '99999999999']) {
      expect(parseUsd(text).ok, text).toBe(false);
    }
  });
});

describe('formatUsd', () => {
  it('shows at least cents and no trailing zeros beyond them', () => {
    expect(formatUsd(12_500_000)).toBe('$12.50');
    expect(formatUsd(1_000)).toBe('$0.001');
    expect(formatUsd(0)).toBe('$0.00');
    expect(formatUsd(-500)).toBe('\u2212$0.0005');
    expect(formatUsd(1_234_567_890_000)).toBe('$1,234,567.89');
  });
});
