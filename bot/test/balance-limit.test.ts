import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKikuaiClient } from '@kikuai/sdk';
import { buttonsOf, secretIn, startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { callbackQuery, command, newUser, preCheckoutQuery, successfulPayment } from './support/updates.js';

let harness: BotHarness;

beforeAll(async () => {
  // A $10 balance ceiling on the API.
  harness = await startBotHarness({ webhook: true, bot: { webhookSecret: 'the-secret' }, serverEnv: { KIKUAI_MAX_BALANCE_MICROS: '10000000' } });
});
afterAll(async () => {
  await harness?.close();
});

describe('a Stars payment over the balance limit', () => {
  it('is final: the webhook answers 200 (Telegram stops re-sending), nothing is credited and the payer is told', async () => {
    // Given a $5 invoice, paid after the balance grew to $8 (a top-up that would pass the
    // ceiling is refused when it is created, so the balance grows after the invoice)
    const user = newUser();
    await harness.telegram.pushUpdate(command(user, '/start'));
    const kikuai = createKikuaiClient({
      baseUrl: harness.server.url,
      auth: { apiKey: secretIn(harness.callsFor('sendMessage', user.id)[0]!)! },
      maxRetries: 0,
    });
    const accountId = (await kikuai.auth.me()).account.id;
    await harness.telegram.pushUpdate(command(user, '/topup'));
    const five = buttonsOf(harness.callsFor('sendMessage', user.id).at(-1)!).find((button) => button.callback_data === 'topup:5000000')!;
    await harness.telegram.pushUpdate(callbackQuery(user, five.callback_data!));
    const payload = String(harness.callsFor('sendInvoice', user.id)[0]!.params.payload);
    await harness.telegram.pushUpdate(preCheckoutQuery(user, { payload, stars: 385 }));
    await harness.server.credit(accountId, 8_000_000);

    // When Telegram delivers the successful payment to the webhook
    const payment = { update_id: 777_000 + (user.id % 1000), ...successfulPayment(user, { payload, stars: 385, chargeId: `stxOver${user.id}` }) };
    const delivered = await fetch(harness.telegram.webhook!.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': 'the-secret' },
      body: JSON.stringify(payment),
    });

    // Then the update is acknowledged, the balance is unchanged and the payer hears why
    expect(delivered.status).toBe(200);
    expect((await kikuai.balance.get()).balance_micros).toBe(8_000_000);
    const told = harness.callsFor('sendMessage', user.id).map(textOf);
    expect(told.at(-1)).toContain('above its limit');
    expect(told.some((text) => /Payment received/.test(text))).toBe(false);
  });
});
