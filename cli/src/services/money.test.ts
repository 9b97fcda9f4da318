import { describe, expect, it } from 'vitest';
import { formatUsd, parseUsdToMicros } from './money.js';

describe('parseUsdToMicros', () => {
  it('converts decimal dollars to exact micros', () => {
    expect(parseUsdToMicros('10')).toBe(10_000_000);
    expect(parseUsdToMicros('12.50')).toBe(12_500_000);
    expect(parseUsdToMicros('0.29')).toBe(290_000);
    expect(parseUsdToMicros('1.005')).toBe(1_005_000);
    expect(parseUsdToMicros('0.000001')).toBe(1);
    expect(parseUsdToMicros('$5')).toBe(5_000_000);
  });

  it('refuses what is not a plain non-negative amount with at most six decimals', () => {
    for (const text of ['', '-1', '1.0000001', '1e3', '12,50', 'ten', '.5', '5.', 'NaN']) {
      expect(parseUsdToMicros(text), text).toBeUndefined();
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
