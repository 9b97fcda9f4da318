/**
 * Properties of `boundsExceeded` (server/README.md, "Key permissions"), the rule that a key
 * never creates or widens a key past its own bounds. Beyond the examples of
 * key-bounds.test.ts: for any two keys it lets one under the other,
 * - whatever the child spends, calls as its own spend limit lets it (in its own periods),
 *   the parent's limit would have let the same spends through in the parent's periods —
 *   so a child can never spend more than its parent in any day, week, month or lifetime;
 * - the child's permissions and products are the parent's or fewer, and it expires no later;
 * and the relation is reflexive and transitive (a key's grandchildren stay within it).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundsExceeded, type KeyBounds } from '../../src/auth/permissions.js';
import { periodStarts } from '../../src/store/logic.js';
import { PERMISSIONS, type Permission, type SpendLimitPeriod } from '../../src/store/types.js';

const T0 = Date.parse('2026-03-27T09:00:00.000Z'); // a Friday near the end of a month: weeks straddle months soon
const HOUR = 3_600_000;
const EXPIRIES = ['2026-03-28T00:00:00.000Z', '2026-04-02T12:00:00.000Z', '2026-05-01T00:00:00.000Z'];

const bounds: fc.Arbitrary<KeyBounds> = fc
  .record({
    permissions: fc.subarray<Permission>([...PERMISSIONS]),
    allowed_products: fc.option(fc.subarray(['reliapi', 'routellm', 'echo'], { minLength: 1 }), { nil: null }),
    limit: fc.option(
      fc.record({ micros: fc.constantFrom(50, 100, 200, 300), period: fc.constantFrom<SpendLimitPeriod | null>(null, 'daily', 'weekly', 'monthly') }),
      { nil: null },
    ),
    expires_at: fc.option(fc.constantFrom(...EXPIRIES), { nil: null }),
  })
  .map(({ permissions, allowed_products, limit, expires_at }) => ({
    permissions,
    allowed_products,
    spend_limit_micros: limit?.micros ?? null,
    spend_limit_period: limit?.period ?? null,
    expires_at,
  }));

/** Spends: hours after the previous one (0 to 3 days) and an amount. */
const spends = fc.array(fc.tuple(fc.nat({ max: 72 }), fc.integer({ min: 1, max: 120 })), { maxLength: 40 });

/** The window a spend at `ms` counts in under a limit of this period (null: the key's lifetime). */
const windowOf = (period: SpendLimitPeriod | null, ms: number): number => (period === null ? 0 : periodStarts(ms)[period]);

/** The spends a key's limit lets through, each counted in its own period, as the store's reserve does. */
function accepted(key: KeyBounds, schedule: Array<[number, number]>): Array<{ at: number; amount: number }> {
  const out: Array<{ at: number; amount: number }> = [];
  const spent = new Map<number, number>();
  let at = T0;
  for (const [hours, amount] of schedule) {
    at += hours * HOUR;
    const window = windowOf(key.spend_limit_period, at);
    const already = spent.get(window) ?? 0;
    if (key.spend_limit_micros !== null && already + amount > key.spend_limit_micros) continue;
    spent.set(window, already + amount);
    out.push({ at, amount });
  }
  return out;
}

/** A few keys, among them one with full access, so that pairs and chains within each other come often. */
const keys = fc
  .array(bounds, { minLength: 4, maxLength: 10 })
  .map((list) => [{ permissions: [...PERMISSIONS], allowed_products: null, spend_limit_micros: null, spend_limit_period: null, expires_at: null }, ...list]);

describe('boundsExceeded, as properties', () => {
  it('a key let under another spends no more than it in any of its periods, and holds no permission, product or time it lacks', () => {
    let pairs = 0;
    fc.assert(
      fc.property(keys, spends, (list, schedule) => {
        for (const parent of list) {
          for (const child of list) {
            if (boundsExceeded(child, parent) !== null) continue;
            pairs += 1;
            expect(child.permissions.every((permission) => parent.permissions.includes(permission))).toBe(true);
            if (parent.allowed_products !== null) expect(child.allowed_products?.every((product) => parent.allowed_products!.includes(product))).toBe(true);
            if (parent.expires_at !== null) expect(child.expires_at !== null && Date.parse(child.expires_at) <= Date.parse(parent.expires_at)).toBe(true);
            if (parent.spend_limit_micros === null) continue;
            const perParentWindow = new Map<number, number>();
            for (const { at, amount } of accepted(child, schedule)) {
              const window = windowOf(parent.spend_limit_period, at);
              perParentWindow.set(window, (perParentWindow.get(window) ?? 0) + amount);
            }
            for (const [window, total] of perParentWindow) {
              const where = `the child (${child.spend_limit_micros}/${child.spend_limit_period ?? 'lifetime'}) spent ${total} in the parent's ${parent.spend_limit_period ?? 'lifetime'} window of ${new Date(window).toISOString()}`;
              expect(total, where).toBeLessThanOrEqual(parent.spend_limit_micros);
            }
          }
        }
      }),
      { numRuns: 500 },
    );
    expect(pairs).toBeGreaterThan(500);
  });

  it('refuses a key with a permission its parent lacks', () => {
    fc.assert(
      fc.property(bounds, bounds, (child, parent) => {
        fc.pre(child.permissions.some((permission) => !parent.permissions.includes(permission)));
        expect(boundsExceeded(child, parent)).toMatch(/^permissions: /);
      }),
      { numRuns: 500 },
    );
  });

  it('is reflexive and transitive', () => {
    let chains = 0;
    fc.assert(
      fc.property(keys, (list) => {
        for (const key of list) expect(boundsExceeded(key, key)).toBeNull();
        for (const grandparent of list) {
          for (const parent of list) {
            if (boundsExceeded(parent, grandparent) !== null) continue;
            for (const child of list) {
              if (boundsExceeded(child, parent) !== null) continue;
              chains += 1;
              expect(boundsExceeded(child, grandparent)).toBeNull();
            }
          }
        }
      }),
      { numRuns: 500 },
    );
    expect(chains).toBeGreaterThan(500);
  });
});
