/**
 * A mixed ledger for the history tests (store contract and HTTP): 1,000 proxied calls of two
 * products over three UTC days, written as the proxy writes them (reserve, then settle or refund), with
 * top-ups, refunds of failed calls and an operator adjustment among them.
 */
import type { Store } from '../../src/store/types.js';
import { recordProxiedCalls } from '@kikuai/testkit';

export const HISTORY_START = Date.parse('2026-03-02T00:30:00.000Z');
export const HISTORY_DAYS = ['2026-03-02', '2026-03-03', '2026-03-04'];
const PRICES: Record<string, number> = { reliapi: 1000, routellm: 2500 };

export interface MixedLedger {
  calls: number;
  /** Charged calls (not refunded) and their cost, per `day|product`. */
  chargesByGroup: Map<string, { calls: number; amount_micros: number }>;
  /** Entries that must stand on their own rows: top-ups, refunds, the adjustment. */
  standalone: number;
}

export async function writeMixedLedger(store: Store, accountId: string): Promise<MixedLedger> {
  const iso = (ms: number) => new Date(ms).toISOString();
  const credit = (i: number, micros: number, at: number) =>
    store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: micros, reason: 'Top-up (Telegram Stars)', external_ref: `stars:${i}` }, iso(at));
  const chargesByGroup = new Map<string, { calls: number; amount_micros: number }>();
  let standalone = 0;
  await credit(0, 2_000_000, HISTORY_START - 60_000);
  standalone++;
  for (let i = 0; i < 1000; i++) {
    // 334 calls a day, about four minutes apart, from 00:30 UTC.
    const at = HISTORY_START + Math.floor(i / 334) * 86_400_000 + (i % 334) * 240_000;
    const product = i % 3 === 0 ? 'routellm' : 'reliapi';
    const refunded = i % 50 === 7;
    await recordProxiedCalls(store, accountId, [{ product_id: product, at, price_micros: PRICES[product]!, refunded }], `h${i}`);
    const group = `${iso(at).slice(0, 10)}|${product}`;
    const sum = chargesByGroup.get(group) ?? { calls: 0, amount_micros: 0 };
    chargesByGroup.set(group, { calls: sum.calls + 1, amount_micros: sum.amount_micros - PRICES[product]! });
    if (refunded) standalone++;
    if (i % 150 === 75) {
      await credit(i, 1_000_000, at + 2000);
      standalone++;
    }
  }
  await store.applyLedger(
    { account_id: accountId, kind: 'adjustment', amount_micros: -500, reason: 'Operator correction', external_ref: 'adjust:1' },
    iso(HISTORY_START + 2 * 86_400_000 + 23 * 3_600_000),
  );
  standalone++;
  return { calls: 1000, chargesByGroup, standalone };
}

/** The shape both the store's items and the API's items have. */
export type HistoryItemLike =
  | { type: 'charges'; day: string; product_id: string; calls: number; amount_micros: number; first_at: string; last_at: string }
  | { type: 'entry'; entry: { id: string; kind: string; amount_micros: number } };

/** What every page of a daily history read must add up to: the whole ledger, each entry once. */
export function historyTotals(items: HistoryItemLike[]) {
  const groups = new Map<string, { calls: number; amount_micros: number }>();
  const entryIds: string[] = [];
  let sum = 0;
  for (const item of items) {
    if (item.type === 'charges') {
      const key = `${item.day}|${item.product_id}`;
      const sofar = groups.get(key) ?? { calls: 0, amount_micros: 0 };
      groups.set(key, { calls: sofar.calls + item.calls, amount_micros: sofar.amount_micros + item.amount_micros });
      sum += item.amount_micros;
    } else {
      entryIds.push(item.entry.id);
      sum += item.entry.amount_micros;
    }
  }
  return { groups, entryIds, sum };
}
