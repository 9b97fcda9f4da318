import { describe, expect, it } from 'vitest';
import { formatUsd, parseUsd } from './money.js';

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

describe('parseUsd', () => {
  it.each([
    ['5', 5_000_000],
    ['5.5', 5_500_000],
    ['$5.50', 5_500_000],
    [' $ 12.34 ', 12_340_000],
    ['0.29', 290_000],
    ['0.000001', 1],
    ['1,000.00', 1_000_000_000],
    ['1,234,567.891', 1_234_567_891_000],
    ['0', 0],
    ['9007199254.740991', Number.MAX_SAFE_INTEGER],
  ])('reads %j in English as %i micro-USD', (text, micros) => {
    expect(parseUsd(text)).toEqual({ ok: true, micros });
    expect(parseUsd(text, { locale: 'en' })).toEqual({ ok: true, micros });
  });

  it.each([
    ['5,50', 5_500_000],
    ['5.50', 5_500_000],
    ['0,07', 70_000],
    ['1,000', 1_000_000],
    ['1 000,50', 1_000_500_000],
    ['1\u00a0234,50\u00a0$', 1_234_500_000],
    ['$5', 5_000_000],
  ])('reads %j in Russian as %i micro-USD', (text, micros) => {
    expect(parseUsd(text, { locale: 'ru' })).toEqual({ ok: true, micros });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['-1', 'negative'],
    ['\u2212$5.00', 'negative'],
    ['$-5', 'not_a_number'],
    ['1.0000001', 'too_many_decimals'],
    ['9007199254.740992', 'too_large'],
    ['99999999999999999999', 'too_large'],
    ['NaN', 'not_a_number'],
    ['Infinity', 'not_a_number'],
    ['ten', 'not_a_number'],
    ['1e3', 'not_a_number'],
    ['.5', 'not_a_number'],
    ['5.', 'not_a_number'],
    ['$', 'not_a_number'],
    ['$5$', 'not_a_number'],
    ['0x10', 'not_a_number'],
    ['5,50', 'not_a_number'],
    ['1,00,000', 'not_a_number'],
    ['1 000', 'not_a_number'],
    ['1.2.3', 'not_a_number'],
  ])('refuses %j in English: %s', (text, reason) => {
    expect(parseUsd(text)).toEqual({ ok: false, reason });
  });

  it('refuses in Russian what is not written as Russian writes amounts', () => {
    expect(parseUsd('1,000.00', { locale: 'ru' })).toEqual({ ok: false, reason: 'not_a_number' });
    expect(parseUsd('12 34', { locale: 'ru' })).toEqual({ ok: false, reason: 'not_a_number' });
    expect(parseUsd('\u22125,00\u00a0$', { locale: 'ru' })).toEqual({ ok: false, reason: 'negative' });
  });

  it('reads back every non-negative amount formatUsd writes, in both languages', () => {
    const amounts = [0, 1, 1_000, 10_000, 4_991_000, 12_500_000, 1_000_000_000, 1_234_567_891_000, Number.MAX_SAFE_INTEGER];
    for (const micros of amounts) {
      for (const locale of ['en', 'ru'] as const) {
        expect(parseUsd(formatUsd(micros, { locale }), { locale }), `${micros} ${locale}`).toEqual({ ok: true, micros });
        expect(parseUsd(formatUsd(-micros || -1, { locale }), { locale })).toEqual({ ok: false, reason: 'negative' });
      }
    }
  });
});
