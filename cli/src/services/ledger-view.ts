import type { LedgerEntry } from '@kikuai/sdk';
import { formatUsd } from './money.js';
import { renderTable } from './table.js';
import type { Paint } from './terminal.js';

export function renderLedger(entries: readonly LedgerEntry[], paint: Paint): string {
  if (entries.length === 0) return 'No entries.';
  return renderTable(
    entries,
    [
      { header: 'WHEN', value: (entry) => entry.created_at.replace('T', ' ').slice(0, 19) },
      { header: 'KIND', value: (entry) => entry.kind },
      {
        header: 'AMOUNT',
        align: 'right',
        value: (entry) =>
          entry.amount_micros >= 0 ? paint.green(formatUsd(entry.amount_micros, { sign: 'always' })) : paint.red(formatUsd(entry.amount_micros)),
      },
      { header: 'BALANCE', align: 'right', value: (entry) => formatUsd(entry.balance_after_micros) },
      { header: 'REASON', value: (entry) => entry.reason },
      { header: 'REFERENCE', value: (entry) => entry.external_ref ?? '' },
    ],
    { header: paint.bold },
  );
}
