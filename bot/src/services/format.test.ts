import { describe, expect, it } from 'vitest';
import { escapeHtml, formatMicros, formatMoney, formatTime, formatUsd } from './format.js';

describe('money display', () => {
  const english = { t: () => 'en' };
  const russian = { t: () => 'ru' };

  it("writes micros by the SDK's one format, in the reply's language", () => {
    expect(formatMoney(english, 5_000_000)).toBe('$5.00');
    expect(formatMoney(english, 1_000)).toBe('$0.001');
    expect(formatMoney(russian, 1_234_500_000)).toBe('1\u00a0234,50\u00a0$');
    expect(formatMoney(english, -1_000, { sign: 'always' })).toBe('\u2212$0.001');
    expect(formatMoney(english, 1_000, { sign: 'always' })).toBe('+$0.001');
  });

  it('keeps the older helpers on the same rule', () => {
    expect(formatUsd('12.500000')).toBe('$12.50');
    expect(formatUsd('-5.000000')).toBe('\u2212$5.00');
    expect(formatMicros(0)).toBe('$0.00');
    expect(() => formatUsd('12,5')).toThrow(RangeError);
  });
});

describe('text display', () => {
  it('escapes HTML and shortens timestamps', () => {
    expect(escapeHtml('<b>&"')).toBe('&lt;b&gt;&amp;&quot;');
    expect(formatTime('2026-11-27T10:00:59.000Z')).toBe('2026-11-27 10:00 UTC');
    expect(formatTime(null)).toBe('—');
  });
});
