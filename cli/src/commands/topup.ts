import type { Topup } from '@kikuai/sdk';
import { Flags, ux } from '@oclif/core';
import { BaseCommand } from '../base-command.js';
import { idempotencyKeyFlag, idempotencyOptions, paymentMethodFlag, usdFlag } from '../flags.js';
import { formatUsd } from '../services/money.js';
import { isCi } from '../services/terminal.js';
import { checkTopupRequest } from '../services/topup-request.js';
import { waitForTopup } from '../services/topup-wait.js';

export default class TopupCommand extends BaseCommand<typeof TopupCommand> {
  static override summary = 'Add money to the balance by card (Paddle) or Telegram Stars.';
  static override description = [
    'Prints the checkout URL (or the Stars invoice link), opens it in the browser unless --no-open,',
    'then waits until the payment is credited, unless --no-wait. Ctrl-C stops waiting; the payment is still credited when it arrives.',
    'The amount is in USD and converted exactly to micro-USD.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> topup --amount 10',
    '<%= config.bin %> topup --amount 12.50 --method stars',
    {
      description: 'Only get the link, e.g. to send it to whoever pays',
      command: '<%= config.bin %> topup --amount 25 --no-open --no-wait --json | jq -r .checkout_url',
    },
  ];

  static override flags = {
    amount: usdFlag({ summary: 'How much to add, in USD (e.g. 10 or 12.50).', required: true }),
    // Checked after --amount (a flag with `options` would be checked first): a wrong amount is the likelier mistake.
    method: paymentMethodFlag({ summary: 'How to pay: paddle (card) or stars (Telegram Stars).', default: 'paddle' }),
    open: Flags.boolean({ summary: 'Open the checkout in the browser.', default: true, allowNo: true }),
    wait: Flags.boolean({ summary: 'Wait until the top-up is credited.', default: true, allowNo: true }),
    timeout: Flags.integer({ summary: 'Seconds to wait for the payment.', default: 1800, min: 1 }),
    'idempotency-key': idempotencyKeyFlag(),
    'poll-interval': Flags.integer({ summary: 'Milliseconds between status checks.', default: 2000, min: 100, hidden: true }),
  };

  async run(): Promise<Topup> {
    const client = await this.client();
    const method = this.flags.method;
    checkTopupRequest(await client.topups.options(), method, this.flags.amount);
    const topup = await client.topups.create({ method, amount_micros: this.flags.amount }, idempotencyOptions(this.flags));
    const link = topup.checkout_url ?? topup.invoice_link;
    const where = method === 'stars' ? 'Pay in Telegram' : 'Pay by card';
    const line = `${where}: ${link ?? '(the server gave no link)'}`;
    // Under --json stdout carries only the Topup, so the link goes to stderr.
    if (this.jsonEnabled()) this.stderr(line);
    else this.log(`${this.stdoutPaint.bold(formatUsd(topup.amount_micros))} top-up ${topup.id} created.\n${line}`);

    if (link && this.flags.open && !isCi()) await openInBrowser(link);
    if (!this.flags.wait) return topup;

    ux.action.start(`Waiting for the payment of ${formatUsd(topup.amount_micros)} (Ctrl-C stops waiting)`, 'pending', { stdout: false });
    const stopWaiting = () => {
      ux.action.stop('stopped');
      this.stderr(`Stopped waiting. Top-up ${topup.id} is credited when the payment arrives: check \`kikuai balance\`.`);
      process.exit(130);
    };
    process.once('SIGINT', stopWaiting);
    const completed = await waitForTopup(() => client.topups.get(topup.id), {
      intervalMs: this.flags['poll-interval'],
      timeoutMs: this.flags.timeout * 1000,
    }).finally(() => process.removeListener('SIGINT', stopWaiting));
    ux.action.stop(this.stderrPaint.green('credited'));
    const balance = await client.balance.get();
    this.log(
      `${this.stdoutPaint.green('✓')} Added ${formatUsd(completed.amount_micros)}. Balance: ${this.stdoutPaint.bold(formatUsd(balance.balance_micros))}.`,
    );
    return completed;
  }
}

async function openInBrowser(url: string): Promise<void> {
  try {
    const { default: open } = await import('open');
    const child = await open(url, { wait: false });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No browser here (a server, a container): the link is printed above.
  }
}
