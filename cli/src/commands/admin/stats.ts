import type { AdminStats } from '@kikuai/sdk';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { adminTokenFlag } from '../../flags.js';
import { renderStats } from '../../services/stats-view.js';

export default class AdminStatsCommand extends BaseCommand<typeof AdminStatsCommand> {
  static override summary = 'Analytics: accounts, revenue per provider, calls and spend per product, top accounts (operator).';
  static override description = [
    "Read from the server's PostgreSQL (the server needs DATABASE_URL). Days are UTC, both ends included; the default is",
    'the last 30 days. Authenticated by the admin token (--admin-token or KIKUAI_ADMIN_TOKEN).',
  ].join('\n');

  static override examples = ['<%= config.bin %> admin stats', '<%= config.bin %> admin stats --from 2026-11-01 --to 2026-11-30 --top 5 --json'];

  static override flags = {
    from: Flags.string({ summary: 'First day, YYYY-MM-DD (UTC).', helpValue: '<day>' }),
    to: Flags.string({ summary: 'Last day, YYYY-MM-DD (UTC).', helpValue: '<day>' }),
    top: Flags.integer({ summary: 'How many accounts to rank (1–100).', min: 1, max: 100, default: 10 }),
    'admin-token': adminTokenFlag,
  };

  async run(): Promise<AdminStats> {
    const operator = await this.adminClient(this.flags['admin-token']);
    const stats = await operator.admin.getStats({
      ...(this.flags.from ? { from: this.flags.from } : {}),
      ...(this.flags.to ? { to: this.flags.to } : {}),
      top: this.flags.top,
    });
    this.log(renderStats(stats, this.stdoutPaint));
    return stats;
  }
}
