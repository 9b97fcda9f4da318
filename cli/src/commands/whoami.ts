import type { Me } from '@kikuai/sdk';
import { BaseCommand } from '../base-command.js';
import { formatUsd } from '../services/money.js';

export default class Whoami extends BaseCommand<typeof Whoami> {
  static override summary = 'Show the account and key this CLI is using, and where they come from.';
  static override examples = ['<%= config.bin %> whoami', '<%= config.bin %> whoami --json'];

  async run(): Promise<Me> {
    const connection = await this.connection();
    const me = await (await this.client()).auth.me();
    const { account } = me;
    const name = [account.username && `@${account.username}`, [account.first_name, account.last_name].filter(Boolean).join(' ')].filter(Boolean).join(' · ');
    const rows: Array<[string, string]> = [
      ['Account', `${account.id}${name ? `  ${name}` : ''}`],
      ['Status', account.status],
      ['Balance', formatUsd(account.balance_micros)],
      [
        'Key',
        `${me.auth.key_id ?? '-'}  (from ${connection.apiKeySource === 'profile' ? `profile "${connection.profileName}"` : connection.apiKeySource === 'flag' ? '--api-key' : 'KIKUAI_API_KEY'})`,
      ],
      ['Server', connection.baseUrl],
    ];
    for (const [label, value] of rows) this.log(`${this.stdoutPaint.dim(label.padEnd(8))} ${value}`);
    return me;
  }
}
