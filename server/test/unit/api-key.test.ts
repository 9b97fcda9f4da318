import { describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey, isWellFormedApiKey } from '../../src/auth/api-key.js';

describe('API key format', () => {
  it('makes kik_ keys of 53 characters that check out, and stores only their SHA-256', () => {
    const key = generateApiKey();
    expect(key.secret).toMatch(/^kik_[0-9A-Za-z]{49}$/);
    expect(isWellFormedApiKey(key.secret)).toBe(true);
    expect(key.hash).toBe(hashApiKey(key.secret));
    expect(key.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(key.prefix).toBe(key.secret.slice(0, 8));
    expect(key.last_four).toBe(key.secret.slice(-4));
  });

  it('never makes the same key twice', () => {
    const secrets = new Set(Array.from({ length: 2000 }, () => generateApiKey().secret));
    expect(secrets.size).toBe(2000);
  });

  it('refuses a mistyped, truncated or foreign key by its checksum alone', () => {
    const { secret } = generateApiKey();
    const position = 10;
    const swapped = secret.slice(0, position) + (secret[position] === 'a' ? 'b' : 'a') + secret.slice(position + 1);
    expect(isWellFormedApiKey(swapped)).toBe(false);
    expect(isWellFormedApiKey(secret.slice(0, -1))).toBe(false);
    expect(isWellFormedApiKey(`${secret}x`)).toBe(false);
    expect(isWellFormedApiKey(`sk_${secret.slice(4)}`)).toBe(false);
    expect(isWellFormedApiKey('')).toBe(false);
  });
});
