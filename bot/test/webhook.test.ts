import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { command, newUser, refundedPayment, successfulPayment } from './support/updates.js';
import { checkedOutFiveDollars, signUp } from './support/stars.js';

let harness: BotHarness;

beforeAll(async () => {
  harness = await startBotHarness({ webhook: true, bot: { webhookSecret: 'the-right-webhook-secret' } });
});
afterAll(async () => {
  await harness?.close();
});

const postToWebhook = (update: Record<string, unknown>, secret?: string) =>
  fetch(harness.telegram.webhook!.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret !== undefined ? { 'x-telegram-bot-api-secret-token': secret } : {}) },
    body: JSON.stringify(update),
  });

describe('webhook mode', () => {
  it('registers the webhook with its secret', () => {
    expect(harness.bot.mode).toBe('webhook');
    expect(harness.telegram.webhook).toEqual({ url: `http://127.0.0.1:${harness.bot.webhookPort}/telegram/webhook`, secret_token: 'the-right-webhook-secret' });
  });

  it('refuses a call without the right secret and handles one with it', async () => {
    const user = newUser();
    expect((await postToWebhook({ update_id: 1, ...command(user, '/help') }, 'a-wrong-secret')).status).toBe(401);
    expect((await postToWebhook({ update_id: 2, ...command(user, '/help') })).status).toBe(401);

    const right = await postToWebhook({ update_id: 3, ...command(user, '/help') }, 'the-right-webhook-secret');
    expect(right.status).toBe(200);
    // The webhook answers once the update is handled, so the reply is there already.
    expect(harness.callsFor('sendMessage', user.id)).toHaveLength(1);
    expect(textOf(harness.callsFor('sendMessage', user.id)[0]!)).toContain('/balance: your balance');
  });

  it('handles an update delivered twice once', async () => {
    const user = newUser();
    const update = { update_id: 777_000 + (user.id % 1000), ...command(user, '/terms') };
    await harness.telegram.pushUpdate(update);
    await harness.telegram.pushUpdate(update);
    expect(harness.callsFor('sendMessage', user.id)).toHaveLength(1);
  });

  it('credits the same successful_payment update delivered twice once; a failed recording is re-delivered', async () => {
    const user = newUser();
    const kikuai = await signUp(harness, user);
    const payload = await checkedOutFiveDollars(harness, user);

    const payment = { update_id: 888_000 + (user.id % 1000), ...successfulPayment(user, { payload, stars: 385, chargeId: `stxWebhook${user.id}` }) };

    // The API is unreachable: the webhook answers 500 so that Telegram delivers the payment again.
    harness.proxy.down = true;
    const failed = await postToWebhook(payment, 'the-right-webhook-secret');
    harness.proxy.down = false;
    expect(failed.status).toBe(500);
    expect((await kikuai.balance.get()).balance_micros).toBe(0);

    await harness.telegram.pushUpdate(payment);
    await harness.telegram.pushUpdate(payment);
    expect((await kikuai.balance.get()).balance_micros).toBe(5_000_000);
    const told = harness.callsFor('sendMessage', user.id).filter((call) => /Payment received/.test(textOf(call)));
    expect(told).toHaveLength(1);
  });

  it('answers a refund of a charge kikuai never recorded with 200: final, not re-delivered forever', async () => {
    const user = newUser();
    await harness.telegram.pushUpdate(command(user, '/start'));
    const refund = { update_id: 999_000 + (user.id % 1000), ...refundedPayment(user, { stars: 50, chargeId: `stxNeverPaid${user.id}` }) };
    const answered = await postToWebhook(refund, 'the-right-webhook-secret');
    expect(answered.status).toBe(200);
    expect(
      harness.logs.some(
        (line) => line.level === 'error' && /never recorded/.test(line.message ?? '') && line.fields.telegram_payment_charge_id === `stxNeverPaid${user.id}`,
      ),
    ).toBe(true);
    const incidents = await harness.server.store.listPaymentIncidents(1000);
    expect(incidents.filter((incident) => incident.detail.includes(`stxNeverPaid${user.id}`)).map((incident) => incident.kind)).toEqual([
      'stars_refund_unknown_charge',
    ]);
  });
});
