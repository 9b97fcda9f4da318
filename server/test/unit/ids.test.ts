import { describe, expect, it } from 'vitest';
import { newLedgerId, ulid } from '../../src/store/ids.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const decodeTime = (id: string) => [...id.slice(0, 10)].reduce((value, char) => value * 32 + CROCKFORD.indexOf(char), 0);

describe('ulid', () => {
  it('is 26 Crockford base32 characters whose first 10 encode the time', () => {
    const at = Date.parse('2026-11-27T05:00:00.123Z');
    const id = ulid(at);
    expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(decodeTime(id)).toBe(at);
    expect(newLedgerId()).toMatch(/^led_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('sorts by creation within one millisecond and when the clock goes back', () => {
    const at = Date.parse('2030-01-01T00:00:00Z');
    const ids = Array.from({ length: 5000 }, () => ulid(at));
    ids.push(ulid(at - 1000)); // a clock step back keeps the order
    ids.push(ulid(at + 1));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
