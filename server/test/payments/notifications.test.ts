/**
 * Notifications in the user's Telegram chat, as the fake Bot API receives them: payment
 * credited, low balance (once per crossing), balance exhausted, key created / rotated /
 * revoked; in the account's language; retried when Telegram fails, never failing the
 * payment. Each scenario closes its server (which flushes the messages in flight) before
 * counting, so "once" is exact.
 */
import { describe, expect, it } from 'vitest';
import { startPaymentsWorld } from './support.js';

const sent = (world: Awaited<ReturnType<typeof startPaymentsWorld>>, chatId: number) =>
  world.telegram
    .callsOf('sendMessage')
    .filter((call) => call.params.chat_id === chatId)
    .map((call) => call.params.text);

describe('notifications', () => {
  it('sends nothing to Telegram for an account the operator made without Telegram', async () => {
    const world = await startPaymentsWorld();
    try {
      const created = await world.call('POST', '/api/v1/admin/accounts', { auth: { admin: world.server.adminToken }, body: { name: 'dev' } });
      expect(created.status).toBe(201);
      const apiKey = created.body.api_key.secret as string;
      const credit = await world.call('POST', `/api/v1/admin/accounts/${created.body.account.id}/credit`, {
        auth: { admin: world.server.adminToken },
        body: { amount_micros: 500_000, reason: 'below the low-balance alert' },
      });
      expect(credit.status).toBe(200);
      expect((await world.call('POST', '/api/v1/api_keys', { auth: { apiKey }, body: { name: 'ci' } })).status).toBe(201);
    } finally {
      await world.close();
    }
    expect(world.telegram.callsOf('sendMessage')).toEqual([]);
  });

  it('tells the user about a payment, a low and an exhausted balance (once per crossing) and key changes, in English', async () => {
    const world = await startPaymentsWorld();
    try {
      const user = await world.register({ language_code: 'en' });
      const waitFor = (text: string | RegExp) =>
        world.telegram.waitForCall(
          'sendMessage',
          (call) => call.params.chat_id === user.telegramId && (typeof text === 'string' ? call.params.text === text : text.test(String(call.params.text))),
        );
      const adjust = async (amount: number) => {
        const response = await world.call('POST', `/api/v1/admin/accounts/${user.accountId}/credit`, {
          auth: { admin: world.server.adminToken },
          body: { amount_micros: amount, reason: 'usage' },
        });
        expect(response.status).toBe(200);
      };

      const { transactionId } = await world.paddleTopup(user.apiKey, 5_000_000);
      await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));
      await waitFor('✅ $5.00 added to your balance (card). Balance: $5.00.');
      await adjust(-4_500_000);
      await waitFor(/^⚠️ Low balance/);
      await adjust(-200_000); // still low: no second warning
      await adjust(-300_000);
      await waitFor(/^⛔/);

      const created = await world.call('POST', '/api/v1/api_keys', { auth: { apiKey: user.apiKey }, body: { name: 'ci' } });
      expect(created.status).toBe(201);
      const label = `"ci" (${created.body.prefix}…${created.body.last_four})`;
      await waitFor(`🔑 API key ${label} was created.`);
      const rotated = await world.call('POST', `/api/v1/api_keys/${created.body.id}/rotate`, { auth: { apiKey: user.apiKey }, body: {} });
      expect(rotated.status).toBe(200);
      const rotatedLabel = `"ci" (${rotated.body.prefix}…${rotated.body.last_four})`;
      await waitFor(`🔄 API key ${rotatedLabel} was rotated. The old secret no longer works.`);
      expect((await world.call('DELETE', `/api/v1/api_keys/${created.body.id}`, { auth: { apiKey: user.apiKey } })).status).toBe(200);
      await waitFor(`🗑 API key ${rotatedLabel} was revoked.`);
      await world.expectLedgersBalanced();
    } finally {
      await world.close();
    }
    const user = world.telegram.callsOf('sendMessage')[0]!.params.chat_id as number;
    expect(sent(world, user)).toEqual([
      '✅ $5.00 added to your balance (card). Balance: $5.00.',
      '⚠️ Low balance: $0.50 left (your alert is at $1.00). Top up with /topup',
      '⛔ Your balance is used up ($0.00). Paid API calls stop until you top up: /topup',
      expect.stringMatching(/^🔑 API key "ci" \(kik_.+\) was created\.$/),
      expect.stringMatching(/^🔄 API key "ci" .+ was rotated\./),
      expect.stringMatching(/^🗑 API key "ci" .+ was revoked\.$/),
    ]);
    // Registration's first key is shown by the bot itself: no message for it.
    expect(world.telegram.callsOf('sendMessage')).toHaveLength(6);
    expect(world.telegram.callsOf('sendMessage').every((call) => call.token === world.server.botToken)).toBe(true);
  });

  it('writes to a Russian-speaking user in Russian, once per payment however often it is delivered', async () => {
    const world = await startPaymentsWorld();
    let telegramId = 0;
    try {
      const user = await world.register({ language_code: 'ru' });
      telegramId = user.telegramId;
      const { transactionId } = await world.paddleTopup(user.apiKey, 2_000_000);
      const event = world.paddle.completeTransaction(transactionId);
      await Promise.all([1, 2, 3].map(() => world.paddle.deliver(world.webhookUrl, event)));
      await world.telegram.waitForCall('sendMessage', (call) => call.params.chat_id === user.telegramId);
    } finally {
      await world.close();
    }
    expect(sent(world, telegramId)).toEqual(['✅ Баланс пополнен на 2,00\u00a0$ (картой). Баланс: 2,00\u00a0$.']);
  });

  it('leaves the confirmation of a Stars payment to the bot, which reported it', async () => {
    const world = await startPaymentsWorld({ env: { KIKUAI_MICROS_PER_STAR: '10000' } });
    let telegramId = 0;
    try {
      const user = await world.register();
      telegramId = user.telegramId;
      const topup = (await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 2_000_000 } })).body;
      const body = { invoice_payload: topup.id, currency: 'XTR', total_amount: topup.stars, telegram_payment_charge_id: 'charge-bot-told' };
      const recorded = await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body });
      expect(recorded.body).toMatchObject({ applied: true, balance_micros: 2_000_000 });
      // A Paddle payment afterwards is announced: had the Stars one been, it would be in the list first.
      const { transactionId } = await world.paddleTopup(user.apiKey, 1_000_000);
      await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));
      await world.telegram.waitForCall('sendMessage', (call) => call.params.chat_id === user.telegramId);
    } finally {
      await world.close();
    }
    expect(sent(world, telegramId)).toEqual(['✅ $1.00 added to your balance (card). Balance: $3.00.']);
  });

  it('retries a failed send with backoff, and a refused one never fails the payment', async () => {
    const world = await startPaymentsWorld();
    let first = 0;
    let second = 0;
    try {
      const user = await world.register();
      first = user.telegramId;
      world.telegram.failNext('sendMessage', { error_code: 429, description: 'Too Many Requests: retry after 1', retry_after: 1 });
      const { transactionId } = await world.paddleTopup(user.apiKey, 3_000_000);
      const delivered = await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));
      expect(JSON.parse(delivered.body).outcome).toBe('credited');
      await world.telegram.waitForCall('sendMessage', (call) => call.params.chat_id === user.telegramId && world.telegram.callsOf('sendMessage').length >= 2);

      // A user who blocked the bot: Telegram answers 403; the payment stands, no retries.
      const blocked = await world.register();
      second = blocked.telegramId;
      world.telegram.failNext('sendMessage', { error_code: 403, description: 'Forbidden: bot was blocked by the user' });
      const other = await world.paddleTopup(blocked.apiKey, 7_000_000);
      const response = await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(other.transactionId));
      expect(response.status).toBe(200);
      expect(await world.balance(blocked.accountId)).toBe(7_000_000);
      await world.expectLedgersBalanced();
    } finally {
      await world.close();
    }
    // The first attempt failed (429), the retry went through: the same message twice at the wire, shown once.
    expect(sent(world, first)).toEqual(['✅ $3.00 added to your balance (card). Balance: $3.00.', '✅ $3.00 added to your balance (card). Balance: $3.00.']);
    expect(sent(world, second)).toHaveLength(1);
  });
});
