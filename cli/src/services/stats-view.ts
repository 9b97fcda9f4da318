import type { AdminStats } from '@kikuai/sdk';
import { formatUsd } from './money.js';
import { renderTable } from './table.js';
import type { Paint } from './terminal.js';

/** `kikuai admin stats`: one short table per figure. */
export function renderStats(stats: AdminStats, paint: Paint): string {
  const section = (title: string, body: string) => `${paint.bold(title)}\n${body}`;
  const header = { header: paint.dim };
  const days = new Map<string, { created: number; active: number }>();
  for (const { day, count } of stats.users.new_per_day) days.set(day, { created: count, active: 0 });
  for (const { day, count } of stats.users.active_per_day) days.set(day, { created: days.get(day)?.created ?? 0, active: count });
  const perDay = [...days.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    `${stats.from} … ${stats.to} (UTC): ${paint.bold(String(stats.users.total))} accounts in total`,
    section(
      'Users per day',
      perDay.length === 0
        ? 'None.'
        : renderTable(
            perDay,
            [
              { header: 'DAY', value: ([day]) => day },
              { header: 'NEW', align: 'right', value: ([, row]) => String(row.created) },
              { header: 'ACTIVE', align: 'right', value: ([, row]) => String(row.active) },
            ],
            header,
          ),
    ),
    section(
      'Revenue per provider',
      stats.revenue_per_day.length === 0
        ? 'None.'
        : renderTable(
            stats.revenue_per_day,
            [
              { header: 'DAY', value: (row) => row.day },
              { header: 'PROVIDER', value: (row) => row.provider },
              { header: 'PAYMENTS', align: 'right', value: (row) => String(row.payments) },
              { header: 'AMOUNT', align: 'right', value: (row) => formatUsd(row.amount_micros) },
            ],
            header,
          ),
    ),
    section(
      'Products',
      stats.products.length === 0
        ? 'None.'
        : renderTable(
            stats.products,
            [
              { header: 'PRODUCT', value: (row) => row.product_id },
              { header: 'CALLS', align: 'right', value: (row) => String(row.calls) },
              { header: 'REFUNDED', align: 'right', value: (row) => String(row.refunded_calls) },
              { header: 'SPEND', align: 'right', value: (row) => formatUsd(row.spend_micros) },
            ],
            header,
          ),
    ),
    section(
      'Top accounts',
      stats.top_accounts.length === 0
        ? 'None.'
        : renderTable(
            stats.top_accounts,
            [
              { header: 'ACCOUNT', value: (row) => row.account_id },
              { header: 'CALLS', align: 'right', value: (row) => String(row.calls) },
              { header: 'SPEND', align: 'right', value: (row) => formatUsd(row.spend_micros) },
            ],
            header,
          ),
    ),
  ].join('\n\n');
}
