import type { LedgerPage } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { renderLedger } from '../services/ledger-view.js';

export default class History extends BaseCommand<typeof History> {
  static override summary = 'List changes of the balance, newest first.';
  static override description = 'One page at a time: the next page is `--cursor <next_cursor>`, as printed at the end. --all fetches every page.';
  static override examples = [
    '<%= config.bin %> history',
    '<%= config.bin %> history --limit 50 --cursor eyJ…',
    { description: 'Everything, as JSON (one LedgerPage holding every entry)', command: '<%= config.bin %> history --all --json' },
  ];

  static override flags = {
    limit: Flags.integer({ summary: 'Entries per page.', min: 1, max: 100, default: 20 }),
    cursor: Flags.string({ summary: 'Where to continue: the next_cursor of the previous page.', exclusive: ['all'] }),
    all: Flags.boolean({ summary: 'Fetch every page.' }),
  };

  async run(): Promise<LedgerPage> {
    const { limit, cursor, all } = this.flags;
    const client = await this.client();
    let page: LedgerPage;
    if (all) {
      const data: LedgerPage['data'] = [];
      for await (const entry of client.history.iterate({ limit: 100 })) data.push(entry);
      page = { data, next_cursor: null };
    } else {
      page = await client.history.list(cursor ? { limit, cursor } : { limit });
    }
    this.log(renderLedger(page.data, this.stdoutPaint));
    if (page.next_cursor) this.log(this.stdoutPaint.dim(`\nMore: kikuai history --limit ${limit} --cursor ${page.next_cursor}`));
    return page;
  }
}
