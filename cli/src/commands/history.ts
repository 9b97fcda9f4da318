import { appendDailyHistory, type DailyHistoryPage, type HistoryQuery, type LedgerPage } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { renderDailyHistory, renderLedger } from '../services/ledger-view.js';

const KINDS = ['credit', 'debit', 'refund', 'adjustment', 'signup_credit'] as const;

export default class History extends BaseCommand<typeof History> {
  static override summary = 'List changes of the balance, newest first: calls grouped per day and product.';
  static override description = [
    'The calls of one product on one UTC day are one row; top-ups, refunds, adjustments and signup credits are rows of their own.',
    'A row of calls shows the flags that list its single calls (`--day <day> --product <product>`); `--calls` lists every entry on its own row.',
    'One page at a time: the next page is `--cursor <next_cursor>`, as printed at the end. --all fetches every page.',
  ].join('\n');
  static override examples = [
    '<%= config.bin %> history',
    { description: 'The single calls behind one row', command: '<%= config.bin %> history --day 2026-11-30 --product reliapi' },
    { description: 'Every ledger entry on its own row', command: '<%= config.bin %> history --calls --limit 50' },
    { description: 'Everything, as JSON (one DailyHistoryPage; with --calls one LedgerPage)', command: '<%= config.bin %> history --all --json' },
  ];

  static override flags = {
    limit: Flags.integer({ summary: 'Rows per page.', min: 1, max: 100, default: 20 }),
    cursor: Flags.string({ summary: 'Where to continue: the next_cursor of the previous page.', exclusive: ['all'] }),
    all: Flags.boolean({ summary: 'Fetch every page.' }),
    calls: Flags.boolean({ summary: 'One row per ledger entry: every call on its own row.' }),
    day: Flags.string({ summary: 'Only entries of this UTC day (YYYY-MM-DD); implies --calls.' }),
    product: Flags.string({ summary: 'Only the calls (charges) of this product; implies --calls.' }),
    kind: Flags.string({ summary: 'Only entries of this kind (with --product: default debit); implies --calls.', options: [...KINDS] }),
  };

  async run(): Promise<DailyHistoryPage | LedgerPage> {
    const { calls, day, product, kind } = this.flags;
    const single = calls || day !== undefined || product !== undefined || kind !== undefined;
    return single
      ? this.singleEntries({
          ...(day ? { day } : {}),
          ...(product ? { product_id: product, kind: 'debit' } : {}),
          ...(kind ? { kind: kind as (typeof KINDS)[number] } : {}),
        })
      : this.daily();
  }

  private async daily(): Promise<DailyHistoryPage> {
    const { limit, cursor, all } = this.flags;
    const client = await this.client();
    let page: DailyHistoryPage;
    if (all) {
      let data: DailyHistoryPage['data'] = [];
      let next: string | null = null;
      do {
        const fetched: DailyHistoryPage = await client.history.daily(next ? { limit: 100, cursor: next } : { limit: 100 });
        data = appendDailyHistory(data, fetched.data);
        next = fetched.next_cursor;
      } while (next);
      page = { data, next_cursor: null };
    } else {
      page = await client.history.daily(cursor ? { limit, cursor } : { limit });
    }
    this.log(renderDailyHistory(page.data, this.stdoutPaint));
    if (page.next_cursor) this.log(this.stdoutPaint.dim(`\nMore: kikuai history --limit ${limit} --cursor ${page.next_cursor}`));
    return page;
  }

  private async singleEntries(filter: Omit<HistoryQuery, 'limit' | 'cursor'>): Promise<LedgerPage> {
    const { limit, cursor, all } = this.flags;
    const client = await this.client();
    let page: LedgerPage;
    if (all) {
      const data: LedgerPage['data'] = [];
      for await (const entry of client.history.iterate({ ...filter, limit: 100 })) data.push(entry);
      page = { data, next_cursor: null };
    } else {
      page = await client.history.list({ ...filter, limit, ...(cursor ? { cursor } : {}) });
    }
    this.log(renderLedger(page.data, this.stdoutPaint));
    if (page.next_cursor) this.log(this.stdoutPaint.dim(`\nMore: kikuai history ${this.filterFlags()}--limit ${limit} --cursor ${page.next_cursor}`));
    return page;
  }

  /** The flags that chose this list, to repeat them in the "More:" line. */
  private filterFlags(): string {
    const { calls, day, product, kind } = this.flags;
    const flags = [day && `--day ${day}`, product && `--product ${product}`, kind && `--kind ${kind}`].filter(Boolean);
    if (flags.length === 0 && calls) flags.push('--calls');
    return flags.map((flag) => `${flag} `).join('');
  }
}
