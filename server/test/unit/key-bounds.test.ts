import { describe, expect, it } from 'vitest';
import { boundsExceeded, type KeyBounds } from '../../src/auth/permissions.js';
import { PERMISSIONS } from '../../src/store/types.js';

const full: KeyBounds = { permissions: [...PERMISSIONS], allowed_products: null, spend_limit_micros: null, spend_limit_period: null, expires_at: null };
const bound = (fields: Partial<KeyBounds>): KeyBounds => ({ ...full, ...fields });

describe('boundsExceeded', () => {
  it('lets anything under a full-access key, and a key within itself', () => {
    const narrow = bound({
      permissions: ['products:call'],
      allowed_products: ['reliapi'],
      spend_limit_micros: 10,
      spend_limit_period: 'daily',
      expires_at: '2030-01-01T00:00:00.000Z',
    });
    expect(boundsExceeded(full, full)).toBeNull();
    expect(boundsExceeded(narrow, full)).toBeNull();
    expect(boundsExceeded(narrow, narrow)).toBeNull();
  });

  it('refuses more permissions, more products, every product under a product list', () => {
    expect(boundsExceeded(full, bound({ permissions: ['products:call'] }))).toMatch(/^permissions: billing:read/);
    expect(boundsExceeded(bound({ allowed_products: ['reliapi', 'routellm'] }), bound({ allowed_products: ['reliapi'] }))).toMatch(
      /^allowed_products: routellm/,
    );
    expect(boundsExceeded(full, bound({ allowed_products: ['reliapi'] }))).toMatch(/^allowed_products: every product/);
  });

  it('refuses no limit or a higher one under a limit, and a period that could spend more', () => {
    const daily = bound({ spend_limit_micros: 100, spend_limit_period: 'daily' });
    const weekly = bound({ spend_limit_micros: 100, spend_limit_period: 'weekly' });
    const monthly = bound({ spend_limit_micros: 100, spend_limit_period: 'monthly' });
    expect(boundsExceeded(full, daily)).toMatch(/^spend_limit_micros: no limit/);
    expect(boundsExceeded(bound({ spend_limit_micros: 101, spend_limit_period: 'daily' }), daily)).toMatch(/^spend_limit_micros: 101/);
    // Every day lies inside one week and one month: longer periods of no more spend fit under a daily limit.
    expect(boundsExceeded(weekly, daily)).toBeNull();
    expect(boundsExceeded(monthly, daily)).toBeNull();
    // A week can straddle two months, and a day repeats within a week or month.
    expect(boundsExceeded(monthly, weekly)).toMatch(/^spend_limit_period: a monthly limit/);
    expect(boundsExceeded(daily, weekly)).toMatch(/^spend_limit_period/);
    expect(boundsExceeded(weekly, monthly)).toMatch(/^spend_limit_period/);
    expect(boundsExceeded(daily, monthly)).toMatch(/^spend_limit_period/);
    // A lifetime limit (no period) of no more spend fits under any; under a lifetime limit only another.
    expect(boundsExceeded(bound({ spend_limit_micros: 100 }), weekly)).toBeNull();
    expect(boundsExceeded(daily, bound({ spend_limit_micros: 100 }))).toMatch(
      /^spend_limit_period: a daily limit could spend more than this key's lifetime one/,
    );
  });

  it('refuses no expiry or a later one under an expiring key', () => {
    const expiring = bound({ expires_at: '2030-01-01T00:00:00.000Z' });
    expect(boundsExceeded(full, expiring)).toMatch(/^expires_at: never/);
    expect(boundsExceeded(bound({ expires_at: '2030-01-02T00:00:00.000Z' }), expiring)).toMatch(/^expires_at: later/);
    expect(boundsExceeded(bound({ expires_at: '2029-12-31T00:00:00.000Z' }), expiring)).toBeNull();
  });
});
