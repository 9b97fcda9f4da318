import type { Balance } from '@kikuai/sdk';
import { BaseCommand } from '../base-command.js';
import { formatUsd } from '../services/money.js';

export default class BalanceCommand extends BaseCommand<typeof BalanceCommand> {
  static override summary = 'Show the prepaid balance.';
  static override examples = ['<%= config.bin %> balance', '<%= config.bin %> balance --json | jq .balance_micros'];

  async run(): Promise<Balance> {
    const balance = await (await this.client()).balance.get();
    const paint = this.stdoutPaint;
    this.log(`${paint.bold(formatUsd(balance.balance_micros))} ${paint.dim(balance.currency)}`);
    if (balance.account_status === 'suspended') this.log(paint.red('The account is suspended.'));
    if (balance.low_balance)
      this.log(
        paint.yellow(`Below your warning threshold of ${formatUsd(balance.low_balance_threshold_micros ?? 0)}: top up with \`kikuai topup --amount 10\`.`),
      );
    return balance;
  }
}
