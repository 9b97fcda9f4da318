/**
 * Telegram Stars as the bot reports them (service token + the user it acts for), through
 * the real server; refunds by the operator through the fake Bot API. On SQLite, and on
 * Redis when reachable (required with CI).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { startPaymentsWorld, type PaymentsWorld } from './support.js';

const MICROS_PER_STAR = 10_000;
const OPERATOR_CHAT_ID = 424242;

describe.each(STORE_KINDS)('Telegram Stars (%s)', (storeKind) => {
  let world: PaymentsWorld;
  beforeAll(async () => {
    world = await startPaymentsWorld({
      store: storeKind,
      env: { KIKUAI_MICROS_PER_STAR: String(MICROS_PER_STAR), KIKUAI_OPERATOR_CHAT_ID: String(OPERATOR_CHAT_ID) },
    });
  });
  afterEach(async () => world.expectLedgersBalanced());
  afterAll(async () => world?.close());

  async function starsTopup(user: Awaited<ReturnType<PaymentsWorld['register']>>, amountMicros: number) {
    const response = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: amountMicros } });
    expect(response.status, response.text).toBe(201);
    return response.body as { id: string; stars: number; amount_micros: number };
  }

  const payment = (topup: { id: string; stars: number }, chargeId: string) => ({
    invoice_payload: topup.id,
    currency: 'XTR',
    total_amount: topup.stars,
    telegram_payment_charge_id: chargeId,
    provider_payment_charge_id: '',
  });

  it('pre-checkout: ok for a pending top-up of this user in XTR for its amount; refused with the reason otherwise', async () => {
    const user = await world.register();
    const other = await world.register({ language_code: 'ru' });
    const topup = await starsTopup(user, 2_000_000);
    expect(topup.stars).toBe(200);
    const check = (auth: any, body: Record<string, unknown>) => world.call('POST', '/api/v1/payment/stars/pre_checkout', { auth, body });

    expect((await check(user.bot, { invoice_payload: topup.id, currency: 'XTR', total_amount: 200 })).body).toEqual({ ok: true });

    const refusals = [
      await check(user.bot, { invoice_payload: 'top_doesnotexist', currency: 'XTR', total_amount: 200 }),
      await check(user.bot, { invoice_payload: 'forged payload', currency: 'XTR', total_amount: 200 }),
      await check(user.bot, { invoice_payload: topup.id, currency: 'USD', total_amount: 200 }),
      await check(user.bot, { invoice_payload: topup.id, currency: 'XTR', total_amount: 1 }),
    ];
    for (const refusal of refusals) expect(refusal.status).toBe(200);
    // The API says why, as a machine reason: the bot words it for the payer.
    expect(refusals.map((refusal) => refusal.body)).toEqual([
      { ok: false, reason: 'unknown_invoice' },
      { ok: false, reason: 'unknown_invoice' },
      { ok: false, reason: 'wrong_currency' },
      { ok: false, reason: 'wrong_amount' },
    ]);
    // Another user's invoice (a forwarded one).
    const foreign = await check(other.bot, { invoice_payload: topup.id, currency: 'XTR', total_amount: 200 });
    expect(foreign.body).toEqual({ ok: false, reason: 'unknown_invoice' });
    // Someone who never started the bot.
    const stranger = await check(
      { service: world.server.serviceToken, telegramUserId: 123_456_789_012 },
      { invoice_payload: topup.id, currency: 'XTR', total_amount: 200 },
    );
    expect(stranger.body).toEqual({ ok: false, reason: 'no_account' });
    // Without the service token: no answer at all.
    expect(
      (
        await world.call('POST', '/api/v1/payment/stars/pre_checkout', {
          auth: { service: 'wrong-token-wrong-token', telegramUserId: user.telegramId },
          body: { invoice_payload: topup.id, currency: 'XTR', total_amount: 200 },
        })
      ).status,
    ).toBe(401);
  });

  it('successful_payment reported twice credits once', async () => {
    const user = await world.register();
    const topup = await starsTopup(user, 3_000_000);
    const first = await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-once-1') });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      applied: true,
      balance_micros: 3_000_000,
      balance_usd: '3.000000',
      topup: { id: topup.id, status: 'completed' },
      entry: { kind: 'credit', amount_micros: 3_000_000, external_ref: 'stars:charge-once-1' },
    });
    const [again, concurrent] = await Promise.all([
      world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-once-1') }),
      world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-once-1') }),
    ]);
    for (const repeat of [again, concurrent]) {
      expect(repeat.status).toBe(200);
      expect(repeat.body).toMatchObject({ applied: false, balance_micros: 3_000_000, entry: { id: first.body.entry.id } });
    }
    expect(await world.balance(user.accountId)).toBe(3_000_000);
    // Once paid, the invoice is no longer accepted at pre-checkout.
    const late = await world.call('POST', '/api/v1/payment/stars/pre_checkout', {
      auth: user.bot,
      body: { invoice_payload: topup.id, currency: 'XTR', total_amount: topup.stars },
    });
    expect(late.body).toEqual({ ok: false, reason: 'not_pending' });
  });

  it('credits exactly the amount the user chose: the Star count rounds up, the credit does not', async () => {
    const user = await world.register();
    // $12.345 at 10,000 micro-USD a Star is 1,234.5 Stars: the invoice asks for 1,235.
    const topup = await starsTopup(user, 12_345_000);
    expect(topup).toMatchObject({ stars: 1_235, amount_micros: 12_345_000 });
    expect(world.telegram.callsOf('createInvoiceLink').at(-1)!.params).toMatchObject({ payload: topup.id, prices: [{ amount: 1_235 }] });

    const credited = await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-exact-1') });
    expect(credited.body).toMatchObject({ applied: true, balance_micros: 12_345_000, topup: { status: 'completed', amount_micros: 12_345_000 } });
    expect(await world.balance(user.accountId)).toBe(12_345_000);

    // A refund takes back what was credited, no more.
    const refund = await world.call('POST', '/api/v1/payment/stars/refunds', { auth: user.bot, body: { telegram_payment_charge_id: 'charge-exact-1' } });
    expect(refund.body).toMatchObject({ applied: true, balance_micros: 0, entry: { amount_micros: -12_345_000 } });
  });

  it('two different charges for one invoice are both credited, and the top-up lists both', async () => {
    const user = await world.register();
    const topup = await starsTopup(user, 1_500_000);
    const one = await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-double-a') });
    const two = await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-double-b') });
    expect(one.body.applied).toBe(true);
    expect(two.body.applied).toBe(true);
    expect(await world.balance(user.accountId)).toBe(3_000_000);
    expect((await world.server.store.getTopup(topup.id))!.provider_ref).toBe('charge-double-a charge-double-b');
  });

  it('a charge whose payload names no top-up of the payer is still credited what was paid', async () => {
    const owner = await world.register();
    const payer = await world.register();
    const topup = await starsTopup(owner, 1_000_000);
    const response = await world.call('POST', '/api/v1/payment/stars/payments', { auth: payer.bot, body: payment(topup, 'charge-forwarded-1') });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ applied: true, balance_micros: 1_000_000, topup: { status: 'completed', stars: 100, amount_micros: 1_000_000 } });
    expect(response.body.topup.id).not.toBe(topup.id);
    expect(await world.balance(owner.accountId)).toBe(0);
    expect((await world.server.store.getTopup(topup.id))!.status).toBe('pending');
    const again = await world.call('POST', '/api/v1/payment/stars/payments', { auth: payer.bot, body: payment(topup, 'charge-forwarded-1') });
    expect(again.body).toMatchObject({ applied: false, topup: { id: response.body.topup.id } });
    expect(await world.balance(payer.accountId)).toBe(1_000_000);
  });

  it('refunded_payment debits once; an unknown charge is a 404', async () => {
    const user = await world.register();
    const topup = await starsTopup(user, 2_500_000);
    await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-refund-1') });
    await world.server.credit(user.accountId, 500_000);
    const refund = { telegram_payment_charge_id: 'charge-refund-1', invoice_payload: topup.id, currency: 'XTR', total_amount: topup.stars };
    const first = await world.call('POST', '/api/v1/payment/stars/refunds', { auth: user.bot, body: refund });
    expect(first.body).toMatchObject({
      applied: true,
      balance_micros: 500_000,
      topup: { id: topup.id, status: 'refunded' },
      entry: { amount_micros: -2_500_000 },
    });
    const second = await world.call('POST', '/api/v1/payment/stars/refunds', { auth: user.bot, body: refund });
    expect(second.body).toMatchObject({ applied: false, balance_micros: 500_000 });
    const unknown = await world.call('POST', '/api/v1/payment/stars/refunds', { auth: user.bot, body: { telegram_payment_charge_id: 'never-paid' } });
    expect(unknown.status).toBe(404);
    expect(await world.balance(user.accountId)).toBe(500_000);
  });

  it('the operator refunds a Stars top-up through refundStarPayment and debits once; a spent balance suspends the account', async () => {
    const user = await world.register();
    const topup = await starsTopup(user, 4_000_000);
    await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, 'charge-admin-1') });
    const spend = await world.call('POST', `/api/v1/admin/accounts/${user.accountId}/credit`, {
      auth: { admin: world.server.adminToken },
      body: { amount_micros: -3_000_000, reason: 'usage' },
    });
    expect(spend.status).toBe(200);

    const refund = await world.call('POST', `/api/v1/admin/topups/${topup.id}/refund`, {
      auth: { admin: world.server.adminToken },
      body: { reason: 'customer asked' },
    });
    expect(refund.status, refund.text).toBe(200);
    expect(refund.body).toMatchObject({ applied: true, balance_micros: 0, topup: { status: 'refunded' }, entry: { amount_micros: -1_000_000 } });
    const call = await world.telegram.waitForCall('refundStarPayment');
    expect(call.params).toEqual({ user_id: user.telegramId, telegram_payment_charge_id: 'charge-admin-1' });
    const account = (await world.server.store.getAccount(user.accountId))!;
    expect(account.status).toBe('suspended');
    expect(account.suspended_reason).toMatch(/shortfall of 3000000/);

    // Again, and the bot's refunded_payment report: no second refund, no second debit.
    const again = await world.call('POST', `/api/v1/admin/topups/${topup.id}/refund`, { auth: { admin: world.server.adminToken } });
    expect(again.body).toMatchObject({ applied: false, balance_micros: 0 });
    const reported = await world.call('POST', '/api/v1/payment/stars/refunds', {
      auth: user.bot,
      body: { telegram_payment_charge_id: 'charge-admin-1', invoice_payload: topup.id },
    });
    expect(reported.body.applied).toBe(false);
    expect(world.telegram.callsOf('refundStarPayment')).toHaveLength(1);

    // Telegram refusing the refund debits nothing.
    const other = await starsTopup(user, 1_000_000);
    await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(other, 'charge-admin-2') });
    world.telegram.failNext('refundStarPayment', { error_code: 400, description: 'Bad Request: PAYMENT_NOT_FOUND' });
    const refused = await world.call('POST', `/api/v1/admin/topups/${other.id}/refund`, { auth: { admin: world.server.adminToken } });
    expect(refused.status).toBe(502);
    expect(refused.body.code).toBe('payment_provider_error');
    expect(await world.balance(user.accountId)).toBe(1_000_000);
  });
  const incidentsAbout = async (pattern: string) =>
    (await world.server.store.listPaymentIncidents(1000)).filter((incident) => incident.detail.includes(pattern));
  const operatorNotice = (pattern: string) =>
    world.telegram.waitForCall('sendMessage', (call) => Number(call.params.chat_id) === OPERATOR_CHAT_ID && String(call.params.text).includes(pattern));
  const messagesTo = (telegramId: number) =>
    world.telegram
      .callsOf('sendMessage')
      .filter((call) => Number(call.params.chat_id) === telegramId)
      .map((call) => String(call.params.text));

  it('a charge id credits once across all accounts: another account reporting it gets 409, credits nothing, and the operator hears of it', async () => {
    const payer = await world.register();
    const other = await world.register();
    const topup = await starsTopup(payer, 1_000_000);
    const chargeId = `charge-global-${payer.accountId}`;
    const first = await world.call('POST', '/api/v1/payment/stars/payments', { auth: payer.bot, body: payment(topup, chargeId) });
    expect(first.body.applied).toBe(true);
    const stolen = await world.call('POST', '/api/v1/payment/stars/payments', { auth: other.bot, body: payment(topup, chargeId) });
    expect(stolen.status).toBe(409);
    expect(stolen.body.code).toBe('stars_charge_conflict');
    expect(await world.balance(other.accountId)).toBe(0);
    expect(await world.balance(payer.accountId)).toBe(1_000_000);
    expect((await incidentsAbout(chargeId)).map((incident) => [incident.kind, incident.account_id])).toEqual([['stars_charge_conflict', other.accountId]]);
    await operatorNotice(chargeId);

    // Concurrent reports of one fresh charge by two accounts: exactly one is credited.
    const race = `charge-race-${payer.accountId}`;
    const answers = await Promise.all(
      [payer, other, payer, other].map((user) =>
        world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: { ...payment(topup, race), invoice_payload: 'forwarded' } }),
      ),
    );
    expect(answers.filter((answer) => answer.status === 200 && answer.body.applied)).toHaveLength(1);
    expect((await world.balance(payer.accountId)) + (await world.balance(other.accountId))).toBe(1_000_000 + 1_000_000);
  });

  it('a refund is found from the charge id alone (invoice_payload is optional), and the user is told "refunded" before "balance used up"', async () => {
    const user = await world.register();
    const topup = await starsTopup(user, 2_000_000);
    await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, `charge-nopayload-${user.accountId}`) });
    const refund = await world.call('POST', '/api/v1/payment/stars/refunds', {
      auth: user.bot,
      body: { telegram_payment_charge_id: `charge-nopayload-${user.accountId}` },
    });
    expect(refund.status, refund.text).toBe(200);
    expect(refund.body).toMatchObject({ applied: true, balance_micros: 0, topup: { id: topup.id, status: 'refunded' }, entry: { amount_micros: -2_000_000 } });
    await world.telegram.waitForCall('sendMessage', (call) => Number(call.params.chat_id) === user.telegramId && /used up/.test(String(call.params.text)));
    const told = messagesTo(user.telegramId);
    expect(told).toHaveLength(2);
    expect(told[0]).toMatch(/^↩️ Your payment of 200 ⭐ was refunded: \$2\.00 taken from your balance\. Balance: \$0\.00\.$/);
    expect(told[1]).toMatch(/balance is used up/);
  });

  it('a refund of a charge kikuai never recorded is a final 404, kept once for the operator', async () => {
    const user = await world.register();
    const chargeId = `charge-unknown-${user.accountId}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const unknown = await world.call('POST', '/api/v1/payment/stars/refunds', {
        auth: user.bot,
        body: { telegram_payment_charge_id: chargeId, total_amount: 50 },
      });
      expect(unknown.status).toBe(404);
    }
    expect((await incidentsAbout(chargeId)).map((incident) => [incident.kind, incident.account_id])).toEqual([['stars_refund_unknown_charge', user.accountId]]);
    const notice = await operatorNotice(chargeId);
    expect(String(notice.params.text)).toMatch(/stars_refund_unknown_charge/);
    expect(world.telegram.callsOf('sendMessage').filter((call) => String(call.params.text).includes(chargeId))).toHaveLength(1);
    expect(await world.balance(user.accountId)).toBe(0);
  });

  it('credits nothing for more Stars than the invoice or than Telegram allows for one invoice, and reports it', async () => {
    const user = await world.register();
    const topup = await starsTopup(user, 2_000_000);
    const over = await world.call('POST', '/api/v1/payment/stars/payments', {
      auth: user.bot,
      body: { ...payment(topup, `charge-over-${user.accountId}`), total_amount: 201 },
    });
    expect(over.status).toBe(409);
    expect(over.body.code).toBe('stars_amount_refused');
    expect((await incidentsAbout(`charge-over-${user.accountId}`)).map((incident) => incident.kind)).toEqual(['stars_amount_refused']);
    await operatorNotice(`charge-over-${user.accountId}`);
    for (const stars of [10_001, 800_000_000_000, 2 ** 53 - 1]) {
      const huge = await world.call('POST', '/api/v1/payment/stars/payments', {
        auth: user.bot,
        body: { ...payment(topup, `charge-huge-${stars}-${user.accountId}`), invoice_payload: 'forwarded', total_amount: stars },
      });
      expect(huge.status).toBe(400);
    }
    expect(await world.balance(user.accountId)).toBe(0);
    expect((await world.server.store.getTopup(topup.id))!.status).toBe('pending');
    // An invoice of more than 10,000 Stars is never made.
    const tooBig = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 10_001 * MICROS_PER_STAR } });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.code).toBe('invalid_amount');
    expect((await starsTopup(user, 10_000 * MICROS_PER_STAR)).stars).toBe(10_000);
  });

  it('the operator\'s refund tells the user, "refunded" first', async () => {
    const user = await world.register();
    const topup = await starsTopup(user, 3_000_000);
    await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: payment(topup, `charge-op-${user.accountId}`) });
    const refund = await world.call('POST', `/api/v1/admin/topups/${topup.id}/refund`, { auth: { admin: world.server.adminToken } });
    expect(refund.status, refund.text).toBe(200);
    await world.telegram.waitForCall('sendMessage', (call) => Number(call.params.chat_id) === user.telegramId && /used up/.test(String(call.params.text)));
    const told = messagesTo(user.telegramId);
    expect(told[0]).toMatch(/Your payment of 300 ⭐ was refunded/);
    expect(told[1]).toMatch(/balance is used up/);
  });
});
