/**
 * Every amount bounded, through the API (issue 13, item 5): the spec refuses amounts past
 * their maximum (400, nothing written), a credit that would take a balance above the
 * ceiling (`KIKUAI_MAX_BALANCE_MICROS`) is refused with 422 and nothing changed, on every
 * path that credits, and balance reads keep answering 200. On SQLite, and on Redis when
 * reachable (required with CI).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { startPaymentsWorld, type PaymentsWorld } from './support.js';

const MICROS_PER_STAR = 10_000;
const CEILING = 10_000_000; // $10
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

describe.each(STORE_KINDS)('amount bounds through the API (%s)', (storeKind) => {
  let world: PaymentsWorld;
  beforeAll(async () => {
    world = await startPaymentsWorld({
      store: storeKind,
      env: { KIKUAI_MICROS_PER_STAR: String(MICROS_PER_STAR), KIKUAI_MAX_BALANCE_MICROS: String(CEILING) },
    });
  });
  afterEach(async () => world.expectLedgersBalanced());
  afterAll(async () => world?.close());

  const admin = () => ({ admin: world.server.adminToken });
  const balanceOf = async (apiKey: string) => {
    const response = await world.call('GET', '/api/v1/balance', { auth: { apiKey } });
    expect(response.status, response.text).toBe(200);
    return response.body.balance_micros as number;
  };

  it('a Stars payment of 8×10^11 or 2^53−1 Stars is refused by the spec, and the balance still reads', async () => {
    // Given a user with $1
    const user = await world.register();
    await world.server.credit(user.accountId, 1_000_000);

    // When the bot reports absurd Stars amounts
    for (const stars of [8e11, MAX_SAFE]) {
      const payment = await world.call('POST', '/api/v1/payment/stars/payments', {
        auth: user.bot,
        body: { invoice_payload: 'top_unknown', currency: 'XTR', total_amount: stars, telegram_payment_charge_id: `charge_${stars}` },
      });
      const check = await world.call('POST', '/api/v1/payment/stars/pre_checkout', {
        auth: user.bot,
        body: { invoice_payload: 'top_unknown', currency: 'XTR', total_amount: stars },
      });
      const refund = await world.call('POST', '/api/v1/payment/stars/refunds', {
        auth: user.bot,
        body: { telegram_payment_charge_id: `charge_${stars}`, total_amount: stars },
      });

      // Then each is refused as invalid, with nothing credited
      for (const response of [payment, check, refund]) {
        expect(response.status, response.text).toBe(400);
        expect(response.body.code).toBe('validation_failed');
      }
    }
    expect(await balanceOf(user.apiKey)).toBe(1_000_000);
  });

  it('an operator credit past the ceiling is 422 balance_limit_exceeded with nothing changed; past the spec maximum 400', async () => {
    // Given an account with $8 under a $10 ceiling
    const user = await world.register();
    await world.server.credit(user.accountId, 8_000_000);
    const credit = (amount: number, externalRef?: string) =>
      world.call('POST', `/api/v1/admin/accounts/${user.accountId}/credit`, {
        auth: admin(),
        body: { amount_micros: amount, reason: 'grant', ...(externalRef ? { external_ref: externalRef } : {}) },
      });

    // When the operator credits $5
    const refused = await credit(5_000_000, 'ticket-1');

    // Then it is refused, and nothing changed
    expect(refused.status, refused.text).toBe(422);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(refused.body).toMatchObject({ code: 'balance_limit_exceeded', status: 422, balance_micros: 8_000_000, limit_micros: CEILING });
    expect(await balanceOf(user.apiKey)).toBe(8_000_000);
    expect((await world.server.store.listLedger(user.accountId, { limit: 10 })).items).toHaveLength(1);

    // And amounts past the spec's bound never reach the store
    for (const amount of [MAX_SAFE, -MAX_SAFE, 8e11 * 13_000, 1.5]) expect((await credit(amount)).status).toBe(400);

    // And the same reference applies once there is room: the refusal left nothing behind
    expect((await credit(2_000_000, 'ticket-1')).body).toMatchObject({ applied: true, balance_micros: CEILING });
    expect(await balanceOf(user.apiKey)).toBe(CEILING);
  });

  it('a top-up that would take the balance past the ceiling is refused before anything is paid', async () => {
    // Given a user with $8 under a $10 ceiling
    const user = await world.register();
    await world.server.credit(user.accountId, 8_000_000);

    // When they start a $5 top-up, by card and by Stars
    const asked = { transactions: world.paddle.requestsTo('POST', '/transactions').length, invoices: world.telegram.callsOf('createInvoiceLink').length };
    const card = await world.call('POST', '/api/v1/payment/topup', { auth: { apiKey: user.apiKey }, body: { method: 'paddle', amount_micros: 5_000_000 } });
    const stars = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 5_000_000 } });

    // Then both are refused and no transaction or invoice was asked for; $2 still goes
    for (const response of [card, stars])
      expect(response.body).toMatchObject({ status: 422, code: 'balance_limit_exceeded', balance_micros: 8_000_000, limit_micros: CEILING });
    expect({ transactions: world.paddle.requestsTo('POST', '/transactions').length, invoices: world.telegram.callsOf('createInvoiceLink').length }).toEqual(
      asked,
    );
    expect(
      (await world.call('POST', '/api/v1/payment/topup', { auth: { apiKey: user.apiKey }, body: { method: 'paddle', amount_micros: 2_000_000 } })).status,
    ).toBe(201);
    expect(world.paddle.requestsTo('POST', '/transactions')).toHaveLength(asked.transactions + 1);
  });

  it('a Stars payment past the ceiling is 422, credits nothing and leaves the top-up pending; a repeat is refused again', async () => {
    // Given a $5 Stars invoice, then $8 credited before it is paid
    const user = await world.register();
    const topup = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 5_000_000 } });
    expect(topup.status, topup.text).toBe(201);
    await world.server.credit(user.accountId, 8_000_000);
    const report = { invoice_payload: topup.body.id, currency: 'XTR', total_amount: topup.body.stars, telegram_payment_charge_id: `charge_${topup.body.id}` };

    // When the bot reports the payment, twice
    const first = await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: report });
    const again = await world.call('POST', '/api/v1/payment/stars/payments', { auth: user.bot, body: report });

    // Then both are refused, and nothing was credited
    for (const response of [first, again]) {
      expect(response.status, response.text).toBe(422);
      expect(response.body).toMatchObject({ code: 'balance_limit_exceeded', balance_micros: 8_000_000, limit_micros: CEILING });
    }
    expect(await balanceOf(user.apiKey)).toBe(8_000_000);
    expect((await world.server.store.getTopup(topup.body.id))!.status).toBe('pending');
  });

  it('a Paddle transaction past the ceiling is answered 200 (no retries) and credits nothing', async () => {
    // Given a $5 card top-up, then $8 credited before it is paid
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 5_000_000);
    await world.server.credit(user.accountId, 8_000_000);

    // When Paddle reports it completed
    const delivery = await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));

    // Then Paddle hears 200, and nothing was credited
    expect(delivery.status).toBe(200);
    expect(JSON.parse(delivery.body).outcome).not.toBe('credited');
    expect(await balanceOf(user.apiKey)).toBe(8_000_000);
    expect((await world.server.store.getTopup(topup.id))!.status).toBe('pending');
  });
});
