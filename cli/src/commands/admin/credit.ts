import type { LedgerChangeResult } from '@kikuai/sdk';
import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base-command.js';
import { adminTokenFlag, idempotencyKeyFlag, idempotencyOptions } from '../../flags.js';
import { formatUsd, parseUsd } from '../../services/money.js';
import { UsageError } from '../../services/exit-codes.js';

export default class AdminCredit extends BaseCommand<typeof AdminCredit> {
  static override summary = "Grant credit to an account's balance, as a ledger entry (operator).";
  static override description = [
    "Authenticated by the server's admin token (--admin-token or KIKUAI_ADMIN_TOKEN). The amount is in USD, converted exactly",
    'to micro-USD. A retried request credits once; with --external-ref the credit applies once for good, however often it is run.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> admin credit acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J 5',
    {
      description: 'Once per support ticket, with a reason',
      command: '<%= config.bin %> admin credit acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J 12.50 --reason "Outage credit" --external-ref support-1234',
    },
  ];

  static override args = {
    account: Args.string({ description: 'The account id (acc_…).', required: true }),
    amount: Args.string({ description: 'How much to add, in USD (e.g. 5 or 12.50).', required: true }),
  };

  static override flags = {
    reason: Flags.string({ summary: 'Why, for the ledger.', default: 'Credit from the CLI' }),
    'external-ref': Flags.string({ summary: 'Your reference (a ticket id): the same reference credits once.', helpValue: '<ref>' }),
    'admin-token': adminTokenFlag,
    'idempotency-key': idempotencyKeyFlag(),
  };

  async run(): Promise<LedgerChangeResult> {
    const parsed = parseUsd(this.args.amount);
    if (!parsed.ok || parsed.micros === 0) {
      throw new UsageError(`Expected a positive USD amount such as 5 or 12.50 (at most six decimals), got "${this.args.amount}".`);
    }
    const amount = parsed.micros;
    const operator = await this.adminClient(this.flags['admin-token']);
    const result = await operator.admin.adjustCredit(
      this.args.account,
      {
        amount_micros: amount,
        reason: this.flags.reason,
        ...(this.flags['external-ref'] ? { external_ref: this.flags['external-ref'] } : {}),
      },
      idempotencyOptions(this.flags),
    );
    const paint = this.stdoutPaint;
    const what = result.applied ? `Credited ${formatUsd(amount)} to ${this.args.account}` : `Already credited (external ref ${this.flags['external-ref']})`;
    this.log(`${paint.green('✓')} ${what}: the balance is ${paint.bold(formatUsd(result.balance_micros))}.`);
    return result;
  }
}
