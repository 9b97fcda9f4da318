import { describe, expect, it } from 'vitest';
import { rateLimitedProblem } from '../../src/rate-limit/headers.js';
import { keyBucket, productBucket } from '../../src/store/logic.js';
import type { RateLimitState } from '../../src/store/types.js';

const state = (bucket: string, resetMs: number): RateLimitState => ({ bucket, limit: 60, remaining: 0, reset_ms: resetMs });

describe('the 429 a caller reads', () => {
  it('names whose limit was reached: the key, the account, or the account’s calls to one product', () => {
    const byBucket = (bucket: string) => rateLimitedProblem(state(bucket, 1_500), [state(bucket, 1_500)]).detail;
    expect(byBucket(keyBucket('key_01ABC'))).toBe('Rate limit of 60 requests reached (this key).');
    expect(byBucket('account')).toBe('Rate limit of 60 requests reached (this account).');
    expect(byBucket(productBucket('reliapi'))).toBe("Rate limit of 60 requests reached (this account's calls to reliapi).");
  });

  it('carries Retry-After and the RateLimit-* headers of the tightest window', () => {
    const problem = rateLimitedProblem(state('account', 30_000), [state(keyBucket('key_01ABC'), 5_000), state('account', 30_000)]);
    expect(problem.status).toBe(429);
    expect(problem.headers).toMatchObject({ 'Retry-After': '30', 'RateLimit-Limit': '60', 'RateLimit-Remaining': '0' });
  });
});
