import type { DailyHistoryItem, LedgerEntry } from '@kikuai/sdk';
import { formatUsd } from './money.js';
import { renderTable } from './table.js';
import type { Paint } from './terminal.js';

const KIND_LABELS: Record<LedgerEntry['kind'], string> = {
  credit: 'top-up',
  debit: 'charge',
  refund: 'refund',
  adjustment: 'adjustment',
  signup_credit: 'signup credit',
};

const minute = (timestamp: string) => timestamp.replace('T', ' ').slice(0, 16);
const signedAmount = (micros: number, paint: Paint) => (micros >= 0 ? paint.green(formatUsd(micros, { sign: 'always' })) : paint.red(formatUsd(micros)));

export function renderLedger(entries: readonly LedgerEntry[], paint: Paint): string {
  if (entries.length === 0) return 'No entries.';
  return renderTable(
    entries,
    [
      { header: 'WHEN', value: (entry) => entry.created_at.replace('T', ' ').slice(0, 19) },
      { header: 'KIND', value: (entry) => entry.kind },
      { header: 'AMOUNT', align: 'right', value: (entry) => signedAmount(entry.amount_micros, paint) },
      { header: 'BALANCE', align: 'right', value: (entry) => formatUsd(entry.balance_after_micros) },
      { header: 'REASON', value: (entry) => entry.reason },
      { header: 'REFERENCE', value: (entry) => entry.external_ref ?? '' },
    ],
    { header: paint.bold },
  );
}

/** One row per product and UTC day of calls (`12:01–17:42` their span), every other entry on its own row. */
export function renderDailyHistory(items: readonly DailyHistoryItem[], paint: Paint): string {
  if (items.length === 0) return 'No entries.';
  return renderTable(
    items,
    [
      { header: 'WHEN', value: (item) => (item.type === 'charges' ? `${minute(item.first_at)}–${item.last_at.slice(11, 16)}` : minute(item.entry.created_at)) },
      {
        header: 'WHAT',
        value: (item) => (item.type === 'charges' ? `${item.product_id} · ${item.calls} ${item.calls === 1 ? 'call' : 'calls'}` : KIND_LABELS[item.entry.kind]),
      },
      { header: 'AMOUNT', align: 'right', value: (item) => signedAmount(item.type === 'charges' ? item.amount_micros : item.entry.amount_micros, paint) },
      { header: 'BALANCE', align: 'right', value: (item) => (item.type === 'entry' ? formatUsd(item.entry.balance_after_micros) : '') },
      { header: 'DETAIL', value: (item) => (item.type === 'entry' ? item.entry.reason : paint.dim(`--day ${item.day} --product ${item.product_id}`)) },
    ],
    { header: paint.bold },
  );
}
