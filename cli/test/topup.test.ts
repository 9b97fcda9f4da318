/**
 * Topping up by card against the fake Paddle API: the CLI prints the checkout URL, waits
 * with a spinner on stderr, and finishes when Paddle's signed `transaction.completed`
 * reaches the server's webhook, which the test delivers once it has seen the URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAs } from './support/spec-schemas.js';
import { runCli, tempConfigDir } from './support/run-cli.js';
import { startWorld, type World } from './support/world.js';

describe('kikuai topup', { timeout: 120_000 }, () => {
  let world: World;
  let config: ReturnType<typeof tempConfigDir>;
  beforeAll(async () => {
    world = await startWorld();
    config = tempConfigDir();
  });
  afterAll(async () => {
    await world?.close();
    config?.cleanup();
  });
  const kikuai = (apiKey: string, args: string[], options: Parameters<typeof runCli>[1] = {}) =>
    runCli(args, { ...options, env: { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: world.server.url, KIKUAI_API_KEY: apiKey, ...options.env } });

  it('converts the amount exactly, prints the checkout URL, and waits until Paddle confirms', async () => {
    const { apiKey } = await world.account(0);
    let stdoutSoFar = '';
    let delivered: Promise<unknown> | undefined;
    const result = await kikuai(apiKey, ['topup', '--amount', '12.29', '--no-open', '--poll-interval', '200'], {
      onStdout(text) {
        stdoutSoFar += text;
        const transactionId = /_ptxn=(\w+)/.exec(stdoutSoFar)?.[1];
        if (transactionId && !delivered)
          delivered = world.paddle.deliver(`${world.server.url}/api/v1/webhooks/paddle`, world.paddle.completeTransaction(transactionId));
      },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(await delivered).toMatchObject({ status: 200 });
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^\$12\.29 top-up top_\w+ created\.$/);
    expect(lines[1]).toMatch(new RegExp(`^Pay by card: ${world.server.url}/pay\\?_ptxn=txn_\\w+$`));
    expect(lines.at(-1)).toBe('✓ Added $12.29. Balance: $12.29.');
    expect(result.stderr).toContain('Waiting for the payment of $12.29');
    // 12.29 * 1e6 is 12289999.999999998 in floating point: the CLI must send 12290000.
    const transaction = world.paddle.requestsTo('POST', '/transactions').at(-1)!;
    expect(transaction.body?.items?.[0]?.price?.unit_price).toEqual({ amount: '1229', currency_code: 'USD' });
  });

  it('--no-wait --json prints only the pending Topup; the link also goes to stderr', async () => {
    const { apiKey } = await world.account(0);
    const result = await kikuai(apiKey, ['topup', '--amount', '10', '--no-open', '--no-wait', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const topup = parseAs('Topup', result.stdout);
    expect(topup).toMatchObject({ method: 'paddle', status: 'pending', amount_micros: 10_000_000, amount_usd: '10.000000' });
    expect(result.stderr).toBe(`Pay by card: ${topup.checkout_url}\n`);
  });

  it('--method stars prints the Telegram invoice link', async () => {
    const { apiKey } = await world.account(0);
    const result = await kikuai(apiKey, ['topup', '--amount', '5', '--method', 'stars', '--no-open', '--no-wait']);
    expect(result.code, result.stderr).toBe(0);
    const link = /^Pay in Telegram: (\S+)$/m.exec(result.stdout)?.[1];
    expect(link).toMatch(/^https:\/\/t\.me\/\$/);
    expect(world.telegram.callsOf('createInvoiceLink').at(-1)?.params).toMatchObject({ currency: 'XTR', provider_token: '' });
  });

  it('an amount outside the range is refused before anything is created, naming the range (exit 2)', async () => {
    const { apiKey } = await world.account(0);
    const transactions = world.paddle.requestsTo('POST', '/transactions').length;
    const result = await kikuai(apiKey, ['topup', '--amount', '0.50', '--no-open', '--no-wait']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^Error: A top-up is between \$\S+ and \$\S+; got \$0\.50\.\n$/);
    expect(world.paddle.requestsTo('POST', '/transactions').length).toBe(transactions);
  });

  it('--method stars above one invoice of 10,000 Stars is refused before any invoice is made, saying what to do (exit 2)', async () => {
    const { apiKey } = await world.account(0);
    const invoices = world.telegram.callsOf('createInvoiceLink').length;
    const options = (await (await fetch(`${world.server.url}/api/v1/payment/options`, { headers: { authorization: `Bearer ${apiKey}` } })).json()) as {
      stars_max_micros: number;
    };
    const over = (options.stars_max_micros + 1_000_000) / 1_000_000;
    const result = await kikuai(apiKey, ['topup', '--amount', String(over), '--method', 'stars', '--no-open', '--no-wait']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^Error: One Telegram Stars top-up is at most \$\S+ \(10,000 Stars\); got \$\S+\. Pay more by card \(--method paddle\) or in several top-ups\.\n$/,
    );
    expect(world.telegram.callsOf('createInvoiceLink').length).toBe(invoices);
  });

  it('checks the amount before the payment method', async () => {
    const { apiKey } = await world.account(0);
    const result = await kikuai(apiKey, ['topup', '--amount', 'ten', '--method', 'bitcoin']);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'Error: Invalid --amount: Expected a USD amount such as 10 or 12.50 (at most six decimals), got "ten". See `kikuai topup --help`.\n',
    );
  });
});
