import { describe, expect, it } from 'vitest';
import { appendDailyHistory } from './daily-history.js';
import type { DailyHistoryItem } from './types.js';

const group = (calls: number, first_at: string, last_at: string, product_id = 'reliapi'): DailyHistoryItem => ({
  type: 'charges',
  day: '2026-11-30',
  product_id,
  calls,
  amount_micros: -1000 * calls,
  amount_usd: `-0.${String(1000 * calls).padStart(6, '0')}`,
  first_at,
  last_at,
  calls_cursor: 'c',
});
const topup: DailyHistoryItem = {
  type: 'entry',
  entry: {
    id: 'led_1',
    kind: 'credit',
    amount_micros: 5_000_000,
    amount_usd: '5.000000',
    balance_after_micros: 5_000_000,
    balance_after_usd: '5.000000',
    reason: 'Top-up',
    external_ref: null,
    created_at: '2026-11-30T08:00:00.000Z',
  },
};

describe('appendDailyHistory', () => {
  it('joins a group that a page break cut in two into one row', () => {
    const rows = appendDailyHistory(
      [group(3, '2026-11-30T12:00:00.000Z', '2026-11-30T13:00:00.000Z')],
      [group(1200, '2026-11-30T09:00:00.000Z', '2026-11-30T11:59:00.000Z'), topup],
    );
    expect(rows).toEqual([{ ...group(1203, '2026-11-30T09:00:00.000Z', '2026-11-30T13:00:00.000Z'), amount_usd: '-1.203000' }, topup]);
  });

  it('keeps rows of another product, or with a top-up between them, apart', () => {
    const a = group(3, '2026-11-30T12:00:00.000Z', '2026-11-30T13:00:00.000Z');
    const b = group(2, '2026-11-30T10:00:00.000Z', '2026-11-30T11:00:00.000Z', 'routellm');
    expect(appendDailyHistory([a], [b])).toEqual([a, b]);
    expect(appendDailyHistory([a, topup], [a])).toEqual([a, topup, a]);
    expect(appendDailyHistory([], [a])).toEqual([a]);
  });
});
