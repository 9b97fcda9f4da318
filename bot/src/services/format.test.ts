import { describe, expect, it } from 'vitest';
import { escapeHtml, formatMicros, formatTime, formatUsd, parseUsdToMicros } from './format.js';

describe('money display', () => {
  it('shows cents, and more digits only when there are any', () => {
    expect(formatUsd('12.500000')).toBe('$12.50');
    expect(formatUsd('0.001000')).toBe('$0.001');
    expect(formatUsd('5.005000')).toBe('$5.005');
    expect(formatUsd('-5.000000')).toBe('-$5.00');
    expect(formatMicros(5_005_000)).toBe('$5.005');
    expect(formatMicros(0)).toBe('$0.00');
    expect(formatMicros(-1)).toBe('-$0.000001');
  });

  it('reads a typed amount without floating point', () => {
    expect(parseUsdToMicros('10')).toBe(10_000_000);
    expect(parseUsdToMicros('$12.5')).toBe(12_500_000);
    expect(parseUsdToMicros('0,07')).toBe(70_000);
    expect(parseUsdToMicros('ten')).toBeNull();
    expect(parseUsdToMicros('1.1234567')).toBeNull();
  });
});

describe('text display', () => {
  it('escapes HTML and shortens timestamps', () => {
    expect(escapeHtml('<b>&"')).toBe('&lt;b&gt;&amp;&quot;');
    expect(formatTime('2026-11-27T10:00:59.000Z')).toBe('2026-11-27 10:00 UTC');
    expect(formatTime(null)).toBe('—');
  });
});
