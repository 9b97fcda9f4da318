import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { newUser, successfulPayment } from './support/updates.js';
import { checkedOutFiveDollars, signUp } from './support/stars.js';

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
    const kikuai = await signUp(harness, user);
    const accountId = (await kikuai.auth.me()).account.id;
    const payload = await checkedOutFiveDollars(harness, user);
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
