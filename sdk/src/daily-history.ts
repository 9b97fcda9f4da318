import type { DailyHistoryItem } from './types.js';

/**
 * Appends a page of `history.daily()` to the rows already shown. When the page starts with
 * the same day and product as the last row (a group that a page break cut in two), the two
 * become one row: calls and amounts added, the time span widened. `amount_usd` is recomputed
 * from the integer sum.
 *
 * @example
 * ```ts
 * let rows: DailyHistoryItem[] = [];
 * for await (const page of pagesOfDailyHistory) rows = appendDailyHistory(rows, page.data);
 * ```
 */
export function appendDailyHistory(shown: readonly DailyHistoryItem[], page: readonly DailyHistoryItem[]): DailyHistoryItem[] {
  const last = shown[shown.length - 1];
  const first = page[0];
  if (last?.type !== 'charges' || first?.type !== 'charges' || last.day !== first.day || last.product_id !== first.product_id) return [...shown, ...page];
  const amount_micros = last.amount_micros + first.amount_micros;
  const merged: DailyHistoryItem = {
    ...last,
    calls: last.calls + first.calls,
    amount_micros,
    amount_usd: microsToUsdString(amount_micros),
    first_at: first.first_at < last.first_at ? first.first_at : last.first_at,
    last_at: first.last_at > last.last_at ? first.last_at : last.last_at,
  };
  return [...shown.slice(0, -1), merged, ...page.slice(1)];
}

/** The API's `*_usd` form: sign, whole dollars, six decimals (integer arithmetic only). */
function microsToUsdString(micros: number): string {
  const sign = micros < 0 ? '-' : '';
  const absolute = Math.abs(micros);
  return `${sign}${Math.floor(absolute / 1_000_000)}.${String(absolute % 1_000_000).padStart(6, '0')}`;
}
