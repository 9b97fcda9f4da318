import { describe, expect, it } from 'vitest';
import { parseWhen, toTimestamp } from './when.js';

const now = new Date('2026-11-30T08:00:00Z');
const at = async (text: string) => {
  const date = await parseWhen(text, now);
  return date && toTimestamp(date);
};

describe('parseWhen', () => {
  it('reads durations forward from now', async () => {
    expect(await at('2h')).toBe('2026-11-30T10:00:00Z');
    expect(await at('30d')).toBe('2026-12-30T08:00:00Z');
    expect(await at('in 2 weeks')).toBe('2026-12-14T08:00:00Z');
  });

  it('reads words and dates: an ISO date is midnight UTC, a timestamp is taken as written', async () => {
    expect(await at('tomorrow')).toMatch(/^2026-12-01T/);
    expect(await at('2027-01-01')).toBe('2027-01-01T00:00:00Z');
    expect(await at('2027-01-01T12:30:00+02:00')).toBe('2027-01-01T10:30:00Z');
  });

  it('refuses what it cannot read whole', async () => {
    for (const garbage of ['soonish', '30d garbage', '2026-02-30', '2027-13-01T00:00:00Z', '']) expect(await at(garbage)).toBeUndefined();
  });
});
