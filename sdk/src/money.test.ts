import { describe, expect, it } from 'vitest';
import { formatUsd } from './money.js';

describe('formatUsd', () => {
  it.each([
    [0, '$0.00', '0,00\u00a0$'],
    [1, '$0.000001', '0,000001\u00a0$'],
    [1_000, '$0.001', '0,001\u00a0$'],
    [1_500, '$0.0015', '0,0015\u00a0$'],
    [10_000, '$0.01', '0,01\u00a0$'],
    [4_991_000, '$4.991', '4,991\u00a0$'],
    [5_000_000, '$5.00', '5,00\u00a0$'],
    [12_500_000, '$12.50', '12,50\u00a0$'],
    [999_990_000, '$999.99', '999,99\u00a0$'],
    [1_000_000_000, '$1,000.00', '1\u00a0000,00\u00a0$'],
    [1_234_567_891_000, '$1,234,567.891', '1\u00a0234\u00a0567,891\u00a0$'],
    [-5_000_000, '\u2212$5.00', '\u22125,00\u00a0$'],
    [-1_000, '\u2212$0.001', '\u22120,001\u00a0$'],
  ])('writes %i micro-USD as %s in English and %s in Russian', (micros, english, russian) => {
    expect(formatUsd(micros)).toBe(english);
    expect(formatUsd(micros, { locale: 'en' })).toBe(english);
    expect(formatUsd(micros, { locale: 'ru' })).toBe(russian);
    expect(formatUsd(BigInt(micros))).toBe(english);
  });

  it('adds a plus sign to positive amounts only when asked, and never signs zero', () => {
    expect(formatUsd(5_000_000, { sign: 'always' })).toBe('+$5.00');
    expect(formatUsd(5_000_000, { sign: 'always', locale: 'ru' })).toBe('+5,00\u00a0$');
    expect(formatUsd(-5_000_000, { sign: 'always' })).toBe('\u2212$5.00');
    expect(formatUsd(0, { sign: 'always' })).toBe('$0.00');
  });

  it('keeps every digit of amounts past 2^53 given as bigint', () => {
    expect(formatUsd(9_007_199_254_740_993n)).toBe('$9,007,199,254.740993');
  });

  it('refuses what is not a whole number of micros', () => {
    expect(() => formatUsd(0.5)).toThrow(RangeError);
    expect(() => formatUsd(Number.NaN)).toThrow(RangeError);
    expect(() => formatUsd(2 ** 60)).toThrow(RangeError);
  });
});
