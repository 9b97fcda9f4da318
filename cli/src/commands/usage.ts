import type { UsageQuery, UsageReport } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { renderUsageChart } from '../services/usage-chart.js';

export default class Usage extends BaseCommand<typeof Usage> {
  static override summary = 'Chart metered calls by day and product.';
  static override description = 'Days are UTC. Bars measure cost (requests when nothing cost anything), stacked by product.';
  static override examples = [
    '<%= config.bin %> usage',
    '<%= config.bin %> usage --days 7 --product reliapi',
    { description: 'The rows as CSV, for a spreadsheet', command: '<%= config.bin %> usage --days 90 --csv > usage.csv' },
  ];

  static override flags = {
    days: Flags.integer({ summary: 'How many days back, today included.', min: 1, max: 400, default: 30 }),
    product: Flags.string({ summary: 'Only this product.', helpValue: '<id>' }),
    key: Flags.string({ summary: 'Only this key.', helpValue: '<key-id>' }),
    csv: Flags.boolean({ summary: 'Print the rows as CSV instead of a chart.', exclusive: ['json'] }),
  };

  async run(): Promise<UsageReport | void> {
    const query: UsageQuery = usageRange(this.flags.days, new Date());
    if (this.flags.product) query.product_id = this.flags.product;
    if (this.flags.key) query.key_id = this.flags.key;
    const client = await this.client();
    if (this.flags.csv) {
      process.stdout.write(await client.usage.csv(query));
      return;
    }
    const report = await client.usage.get(query);
    this.log(renderUsageChart(report, this.stdoutPaint));
    return report;
  }
}

/** The last `days` UTC days, today included. */
export function usageRange(days: number, now: Date): { from: string; to: string } {
  const to = now.toISOString().slice(0, 10);
  const from = new Date(Date.parse(`${to}T00:00:00Z`) - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  return { from, to };
}
