/**
 * Paddle's webhook end to end: events signed exactly as Paddle signs them, delivered over
 * HTTP to the real server, which talks to the fake Paddle API. On SQLite, and on Redis
 * when it is reachable (required with CI).
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { startPaymentsWorld, type PaymentsWorld } from './support.js';

const OPERATOR_CHAT_ID = -1009876543210;
const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/paddle/${name}`, import.meta.url), 'utf8'));

describe.each(STORE_KINDS)('Paddle webhook (%s)', (storeKind) => {
  let world: PaymentsWorld;
  beforeAll(async () => {
    world = await startPaymentsWorld({ store: storeKind, env: { KIKUAI_OPERATOR_CHAT_ID: String(OPERATOR_CHAT_ID) } });
  });
  afterEach(async () => world.expectLedgersBalanced());
  afterAll(async () => world?.close());

  it('credits a completed transaction once, even when delivered 10 times concurrently', async () => {
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 12_340_000);
    const event = world.paddle.completeTransaction(transactionId);
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => world.paddle.deliver(world.webhookUrl, event)));
    expect(deliveries.map((delivery) => delivery.status)).toEqual(Array(10).fill(200));
    const outcomes = deliveries.map((delivery) => JSON.parse(delivery.body).outcome);
    expect(outcomes.filter((outcome) => outcome === 'credited')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome !== 'credited').every((outcome) => outcome === 'duplicate')).toBe(true);
    expect(await world.balance(user.accountId)).toBe(12_340_000);

    // A later retry of the event, and the same transaction under another event id: nothing more.
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, { ...event, notification_id: 'ntf_retry' })).body)).toEqual({
      received: true,
      outcome: 'duplicate',
    });
    const again = world.paddle.event('transaction.completed', event.data);
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, again)).body)).toEqual({ received: true, outcome: 'duplicate' });
    expect(await world.balance(user.accountId)).toBe(12_340_000);

    const status = await world.call('GET', `/api/v1/payment/topup/${topup.id}`, { auth: { apiKey: user.apiKey } });
    expect(status.body).toMatchObject({ id: topup.id, status: 'completed', amount_micros: 12_340_000, amount_usd: '12.340000' });
    const history = await world.call('GET', '/api/v1/history', { auth: { apiKey: user.apiKey } });
    expect(history.body.data.map((entry: any) => [entry.kind, entry.amount_micros, entry.external_ref])).toEqual([
      ['credit', 12_340_000, `paddle:${transactionId}`],
    ]);
  });

  it('refuses a wrong secret, an altered body, a stale timestamp and a missing header, and credits nothing', async () => {
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 5_000_000);
    const event = world.paddle.completeTransaction(transactionId);
    const body = JSON.stringify(event);

    const wrongSecret = await world.paddle.deliver(world.webhookUrl, event, { secret: 'pdl_ntfset_not-the-right-one' });
    expect(wrongSecret.status).toBe(401);
    expect(JSON.parse(wrongSecret.body)).toMatchObject({ code: 'invalid_signature' });
    const altered = await world.paddle.deliver(world.webhookUrl, body, { sendBody: body.replace(transactionId, `${transactionId}x`) });
    expect(altered.status).toBe(401);
    const reformatted = await world.paddle.deliver(world.webhookUrl, body, { sendBody: JSON.stringify(event, null, 2) });
    expect(reformatted.status).toBe(401);
    const stale = await world.paddle.deliver(world.webhookUrl, event, { ts: Math.floor(Date.now() / 1000) - 301 });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body).detail).toMatch(/outside the accepted window/);
    const missing = await world.paddle.deliver(world.webhookUrl, event, { signatureHeader: null });
    expect([400, 401]).toContain(missing.status);
    const garbage = await world.paddle.deliver(world.webhookUrl, event, { signatureHeader: 'ts=1;h1=nothex' });
    expect(garbage.status).toBe(401);

    expect(await world.balance(user.accountId)).toBe(0);
    expect((await world.call('GET', `/api/v1/payment/topup/${topup.id}`, { auth: { apiKey: user.apiKey } })).body.status).toBe('pending');
    // The refusals left no trace: the genuine delivery still credits.
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, event)).body).outcome).toBe('credited');
    expect(await world.balance(user.accountId)).toBe(5_000_000);
  });

  it('debits an approved refund once, ignoring it while pending approval', async () => {
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 10_000_000);
    await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));
    await world.server.credit(user.accountId, 1_000_000);

    const pending = world.paddle.adjustmentEvent(transactionId, { action: 'refund', status: 'pending_approval', adjustmentId: 'adj_01refundpending000000000' });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, pending)).body).outcome).toBe('deferred');
    expect(await world.balance(user.accountId)).toBe(11_000_000);

    const approved = world.paddle.adjustmentEvent(transactionId, {
      action: 'refund',
      status: 'approved',
      adjustmentId: 'adj_01refundpending000000000',
      eventType: 'adjustment.updated',
    });
    const outcomes = await Promise.all(
      [approved, approved, { ...approved, event_id: 'evt_other_delivery' }].map(
        async (event) => JSON.parse((await world.paddle.deliver(world.webhookUrl, event)).body).outcome,
      ),
    );
    expect(outcomes.sort()).toEqual(['debited', 'duplicate', 'duplicate']);
    expect(await world.balance(user.accountId)).toBe(1_000_000);
    expect((await world.call('GET', `/api/v1/payment/topup/${topup.id}`, { auth: { apiKey: user.apiKey } })).body.status).toBe('refunded');
    expect((await world.server.store.getAccount(user.accountId))!.status).toBe('active');
  });

  it('debits a partial refund in proportion', async () => {
    const user = await world.register();
    const { transactionId } = await world.paddleTopup(user.apiKey, 20_000_000);
    await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));
    const partial = world.paddle.adjustmentEvent(transactionId, { action: 'refund', amountCents: 500 });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, partial)).body).outcome).toBe('debited');
    expect(await world.balance(user.accountId)).toBe(15_000_000);
  });

  it('takes a chargeback the balance cannot cover to 0 and suspends the account; the reversal credits back once', async () => {
    const user = await world.register();
    const { transactionId } = await world.paddleTopup(user.apiKey, 10_000_000);
    await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));
    // The user spends most of it before the chargeback comes in.
    const spent = await world.call('POST', `/api/v1/admin/accounts/${user.accountId}/credit`, {
      auth: { admin: world.server.adminToken },
      body: { amount_micros: -7_000_000, reason: 'usage' },
    });
    expect(spent.status).toBe(200);

    const chargeback = world.paddle.adjustmentEvent(transactionId, { action: 'chargeback', adjustmentId: 'adj_01chargeback0000000000000' });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, chargeback)).body).outcome).toBe('debited');
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, { ...chargeback, event_id: 'evt_cb_again' })).body).outcome).toBe('duplicate');
    const suspended = (await world.server.store.getAccount(user.accountId))!;
    expect(suspended.balance_micros).toBe(0);
    expect(suspended.status).toBe('suspended');
    expect(suspended.suspended_reason).toMatch(/shortfall of 7000000/);
    const refused = await world.call('GET', '/api/v1/balance', { auth: { apiKey: user.apiKey } });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('account_suspended');

    const reversal = world.paddle.adjustmentEvent(transactionId, { action: 'chargeback_reverse', adjustmentId: 'adj_01chargebackreverse00000' });
    const outcomes = await Promise.all(
      [reversal, reversal].map(async (event) => JSON.parse((await world.paddle.deliver(world.webhookUrl, event)).body).outcome),
    );
    expect(outcomes.sort()).toEqual(['credited', 'duplicate']);
    expect(await world.balance(user.accountId)).toBe(10_000_000);
  });

  it('ends with the right balance when a refund arrives before its transaction.completed', async () => {
    const user = await world.register();
    await world.server.credit(user.accountId, 2_000_000);
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 8_000_000);
    const completed = world.paddle.completeTransaction(transactionId); // paid at Paddle, event not yet delivered
    const refund = world.paddle.adjustmentEvent(transactionId, { action: 'refund' });

    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, refund)).body).outcome).toBe('debited');
    expect(await world.balance(user.accountId)).toBe(2_000_000);
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, completed)).body).outcome).toBe('duplicate');
    expect(await world.balance(user.accountId)).toBe(2_000_000);
    expect((await world.server.store.getAccount(user.accountId))!.status).toBe('active');
    expect((await world.call('GET', `/api/v1/payment/topup/${topup.id}`, { auth: { apiKey: user.apiKey } })).body.status).toBe('refunded');
    const history = await world.call('GET', '/api/v1/history', { auth: { apiKey: user.apiKey } });
    expect(history.body.data.map((entry: any) => entry.amount_micros)).toEqual([-8_000_000, 8_000_000, 2_000_000]);
  });

  it('acknowledges unknown event types and transactions that are not ours, changing nothing', async () => {
    const user = await world.register();
    const unknown = world.paddle.event('subscription.created', { id: 'sub_01xyz' });
    expect(await world.paddle.deliver(world.webhookUrl, unknown)).toMatchObject({ status: 200 });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, unknown)).body)).toEqual({ received: true, outcome: 'duplicate' });
    const paid = world.paddle.event('transaction.paid', fixture('php-entity-transaction.paid.json'));
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, paid)).body)).toEqual({ received: true, outcome: 'ignored' });
    // A real-shaped completed transaction without our custom data (a sale of something else).
    const foreign = world.paddle.event('transaction.completed', fixture('php-entity-transaction.completed.json'));
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, foreign)).body)).toEqual({ received: true, outcome: 'ignored' });
    // Custom data naming another account's top-up is not honoured.
    const other = await world.register();
    const { topup } = await world.paddleTopup(other.apiKey, 5_000_000);
    const forged = world.paddle.event('transaction.completed', {
      ...fixture('php-entity-transaction.completed.json'),
      custom_data: { account_id: user.accountId, topup_id: topup.id },
    });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, forged)).body).outcome).toBe('ignored');
    expect(await world.balance(user.accountId)).toBe(0);
    expect(await world.balance(other.accountId)).toBe(0);
  });

  it("reads the PHP fixtures' shapes: a completed transaction carrying our custom data, then their refund adjustments", async () => {
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 6_000_000);
    world.paddle.completeTransaction(transactionId);
    // The fixture's shape with this top-up's id, data and amount: $6.00 with US sales tax added on top.
    const shape = fixture('php-entity-transaction.completed.json');
    const completed = {
      ...shape,
      id: transactionId,
      custom_data: { account_id: user.accountId, topup_id: topup.id },
      details: { ...shape.details, totals: { ...shape.details.totals, subtotal: '600', tax: '53', total: '653', grand_total: '653', grand_total_tax: '53' } },
    };
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, world.paddle.event('transaction.completed', completed))).body).outcome).toBe('credited');
    // The top-up's amount is credited, not the totals with their tax.
    expect(await world.balance(user.accountId)).toBe(6_000_000);

    const created = { ...fixture('php-entity-adjustment.created.json'), transaction_id: transactionId };
    expect(created.status).toBe('pending_approval');
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, world.paddle.event('adjustment.created', created))).body).outcome).toBe('deferred');
    const updated = { ...fixture('php-entity-adjustment.updated.json'), transaction_id: transactionId, status: 'approved' };
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, world.paddle.event('adjustment.updated', updated))).body).outcome).toBe('debited');
    // A partial refund of 100 of the transaction's 600 (minor units) takes a sixth.
    expect(await world.balance(user.accountId)).toBe(5_000_000);
  });
  /** The event of a transaction Paddle completed, with other totals or currency (as a checkout the payer controls could produce). */
  const totalsOf = (cents: { subtotal: number; tax?: number; discount?: number; total?: number }, currency = 'USD') => {
    const tax = cents.tax ?? 0;
    const discount = cents.discount ?? 0;
    const total = cents.total ?? cents.subtotal - discount + tax;
    return {
      subtotal: String(cents.subtotal),
      discount: String(discount),
      tax: String(tax),
      total: String(total),
      credit: '0',
      credit_to_balance: '0',
      balance: '0',
      grand_total: String(total),
      grand_total_tax: String(tax),
      fee: null,
      earnings: null,
      currency_code: currency,
    };
  };
  // What the operator reads: the admin API's list of payment incidents.
  const incidentsOf = async (topupId: string) => {
    const listed = await world.call('GET', '/api/v1/admin/payment-incidents?limit=100', { auth: { admin: world.server.adminToken } });
    expect(listed.status).toBe(200);
    return (listed.body.data as Array<{ kind: string; topup_id: string | null; account_id: string | null; detail: string }>).filter(
      (incident) => incident.topup_id === topupId,
    );
  };
  const operatorNotices = (pattern: RegExp) =>
    world.telegram.callsOf('sendMessage').filter((call) => Number(call.params.chat_id) === OPERATOR_CHAT_ID && pattern.test(String(call.params.text)));
  const incidentsCounted = async (kind: string) => {
    const text = (await world.call('GET', '/metrics')).text;
    return Number(new RegExp(`^kikuai_payment_incidents_total\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  };

  it('refuses a signed transaction.completed for a foreign transaction naming a $500 top-up with a 1-cent total; the real one then credits once', async () => {
    const victim = await world.register();
    const { topup, transactionId } = await world.paddleTopup(victim.apiKey, 500_000_000);
    const counted = await incidentsCounted('paddle_transaction_mismatch');
    // The attacker's own checkout, its custom_data copied from the victim's top-up, paid with one cent.
    const real = world.paddle.completeTransaction(transactionId);
    const forged = world.paddle.event('transaction.completed', {
      ...real.data,
      id: 'txn_01attackerscheckout00000000',
      details: { ...real.data.details, totals: totalsOf({ subtotal: 1 }) },
    });
    const refused = await world.paddle.deliver(world.webhookUrl, forged);
    expect(refused.status).toBe(200);
    expect(JSON.parse(refused.body)).toEqual({ received: true, outcome: 'refused' });
    expect(await world.balance(victim.accountId)).toBe(0);
    expect((await world.call('GET', `/api/v1/payment/topup/${topup.id}`, { auth: { apiKey: victim.apiKey } })).body.status).toBe('pending');

    // Kept for the operator: a record, a metric, a notice in the operator chat.
    const [incident] = await incidentsOf(topup.id);
    expect(incident).toMatchObject({ kind: 'paddle_transaction_mismatch', account_id: victim.accountId, topup_id: topup.id });
    expect(incident!.detail).toContain('txn_01attackerscheckout00000000');
    expect(incident!.detail).toContain(transactionId);
    expect(await incidentsCounted('paddle_transaction_mismatch')).toBe(counted + 1);
    const notice = await world.telegram.waitForCall(
      'sendMessage',
      (call) => Number(call.params.chat_id) === OPERATOR_CHAT_ID && String(call.params.text).includes(topup.id),
    );
    expect(String(notice.params.text)).toMatch(/paddle_transaction_mismatch/);

    // Replayed, and re-sent under another event id: still nothing, still one incident.
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, forged)).body).outcome).toBe('duplicate');
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, { ...forged, event_id: 'evt_01forgedagain000000000000' })).body).outcome).toBe('refused');
    expect(await incidentsOf(topup.id)).toHaveLength(1);

    // The transaction kikuai created credits the top-up, once.
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, real)).body).outcome).toBe('credited');
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, { ...real, event_id: 'evt_01realagain00000000000000' })).body).outcome).toBe('duplicate');
    expect(await world.balance(victim.accountId)).toBe(500_000_000);
    expect(operatorNotices(new RegExp(topup.id))).toHaveLength(1);
  });

  it('credits nothing when a second transaction completes a top-up already paid, in either order', async () => {
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 7_000_000);
    const real = world.paddle.completeTransaction(transactionId);
    // Another genuine checkout of the same account, its custom data pointed at the first top-up.
    const { transactionId: secondId } = await world.paddleTopup(user.apiKey, 7_000_000);
    const second = world.paddle.completeTransaction(secondId);
    const retargeted = world.paddle.event('transaction.completed', { ...second.data, custom_data: { account_id: user.accountId, topup_id: topup.id } });

    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, real)).body).outcome).toBe('credited');
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, retargeted)).body).outcome).toBe('refused');
    expect(await world.balance(user.accountId)).toBe(7_000_000);

    // Reordered: the foreign completion first, then the real one for another top-up.
    const { topup: third, transactionId: thirdId } = await world.paddleTopup(user.apiKey, 3_000_000);
    const thirdEvent = world.paddle.completeTransaction(thirdId);
    const early = world.paddle.event('transaction.completed', { ...real.data, custom_data: { account_id: user.accountId, topup_id: third.id } });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, early)).body).outcome).toBe('refused');
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, thirdEvent)).body).outcome).toBe('credited');
    expect(await world.balance(user.accountId)).toBe(10_000_000);
    expect((await incidentsOf(topup.id)).map((incident) => incident.kind)).toEqual(['paddle_transaction_mismatch']);
  });

  it('refuses the right transaction when its amount or currency is not what the top-up asked, records and notifies it', async () => {
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 20_000_000);
    const real = world.paddle.completeTransaction(transactionId);
    const counted = await incidentsCounted('paddle_amount_mismatch');
    const discounted = world.paddle.event('transaction.completed', {
      ...real.data,
      details: { ...real.data.details, totals: totalsOf({ subtotal: 2000, discount: 1999 }) },
    });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, discounted)).body)).toEqual({ received: true, outcome: 'refused' });
    const euros = world.paddle.event('transaction.completed', {
      ...real.data,
      currency_code: 'EUR',
      details: { ...real.data.details, totals: totalsOf({ subtotal: 2000 }, 'EUR') },
    });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, euros)).body).outcome).toBe('refused');
    expect(await world.balance(user.accountId)).toBe(0);
    const [incident] = await incidentsOf(topup.id);
    expect(incident).toMatchObject({ kind: 'paddle_amount_mismatch', account_id: user.accountId });
    expect(incident!.detail).toMatch(/discount 1999.*asked 2000 cents/);
    expect(await incidentsCounted('paddle_amount_mismatch')).toBe(counted + 1);
    await world.telegram.waitForCall(
      'sendMessage',
      (call) =>
        Number(call.params.chat_id) === OPERATOR_CHAT_ID &&
        /paddle_amount_mismatch/.test(String(call.params.text)) &&
        String(call.params.text).includes(topup.id),
    );
    expect((await world.call('GET', `/api/v1/payment/topup/${topup.id}`, { auth: { apiKey: user.apiKey } })).body.status).toBe('pending');
  });

  it('credits the asked amount whether the tax was inside the price or added on top', async () => {
    const user = await world.register();
    const inclusive = await world.paddleTopup(user.apiKey, 10_000_000);
    const eu = world.paddle.completeTransaction(inclusive.transactionId);
    // EU VAT inside our tax-inclusive price: subtotal is the amount less the tax.
    const vat = world.paddle.event('transaction.completed', { ...eu.data, details: { ...eu.data.details, totals: totalsOf({ subtotal: 833, tax: 167 }) } });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, vat)).body).outcome).toBe('credited');
    const exclusive = await world.paddleTopup(user.apiKey, 10_000_000);
    const us = world.paddle.completeTransaction(exclusive.transactionId);
    const salesTax = world.paddle.event('transaction.completed', {
      ...us.data,
      details: { ...us.data.details, totals: totalsOf({ subtotal: 1000, tax: 89 }) },
    });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, salesTax)).body).outcome).toBe('credited');
    expect(await world.balance(user.accountId)).toBe(20_000_000);
  });

  it('records the Paddle transaction id on the top-up when it is created', async () => {
    const user = await world.register();
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 5_000_000);
    expect((await world.server.store.getTopup(topup.id))!.provider_ref).toBe(transactionId);
    expect(world.paddle.transaction(transactionId)!.custom_data).toEqual({ account_id: user.accountId, topup_id: topup.id });
  });

  it("debits nothing for a refund of a transaction that is not the top-up's own", async () => {
    const user = await world.register();
    await world.server.credit(user.accountId, 4_000_000);
    const { topup, transactionId } = await world.paddleTopup(user.apiKey, 4_000_000);
    const { transactionId: otherId } = await world.paddleTopup(user.apiKey, 4_000_000);
    world.paddle.completeTransaction(otherId);
    // The other transaction's custom data retargeted at Paddle (as a checkout could set it), then refunded.
    world.paddle.transaction(otherId)!.custom_data = { account_id: user.accountId, topup_id: topup.id };
    const refund = world.paddle.adjustmentEvent(otherId, { action: 'refund' });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, refund)).body).outcome).toBe('ignored');
    expect(await world.balance(user.accountId)).toBe(4_000_000);
    expect((await incidentsOf(topup.id)).map((incident) => incident.kind)).toEqual(['paddle_transaction_mismatch']);
    // The top-up's own transaction still credits.
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId))).body).outcome).toBe('credited');
    expect(await world.balance(user.accountId)).toBe(8_000_000);
  });
});
