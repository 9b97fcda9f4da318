import { describe, expect, it } from 'vitest';
import { isRetryableRequest, parseRetryAfter } from './retrying-fetch.js';

describe('retry rules', () => {
  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('Wed, 21 Oct 2026 07:27:58 GMT');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:00 GMT', now)).toBe(2000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:27:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('treats idempotent methods, and POST or PATCH with an Idempotency-Key, as retry-safe', () => {
    const url = 'http://localhost/api/v1/x';
    expect(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].every((method) => isRetryableRequest(new Request(url, { method })))).toBe(true);
    expect(isRetryableRequest(new Request(url, { method: 'POST' }))).toBe(false);
    expect(isRetryableRequest(new Request(url, { method: 'PATCH' }))).toBe(false);
    expect(isRetryableRequest(new Request(url, { method: 'POST', headers: { 'Idempotency-Key': 'k' } }))).toBe(true);
  });
});
