/**
 * Starting top-ups through the API as each client would: Paddle through the fake Paddle
 * API (the real SDK), Stars through the fake Bot API; amounts, idempotency, the methods
 * each caller kind is offered, and the /pay page.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signInitData } from '@kikuai/testkit';
import { startPaymentsWorld, type PaymentsWorld } from './support.js';

const MICROS_PER_STAR = 13_000;

describe('top-ups', () => {
  let world: PaymentsWorld;
  beforeAll(async () => {
    world = await startPaymentsWorld({
      env: { KIKUAI_MICROS_PER_STAR: String(MICROS_PER_STAR), KIKUAI_TOPUP_MIN_MICROS: '1000000', KIKUAI_TOPUP_MAX_MICROS: '500000000' },
    });
  });
  afterEach(async () => world.expectLedgersBalanced());
  afterAll(async () => world?.close());

  const initDataFor = (telegramId: number) =>
    signInitData(
      { user: JSON.stringify({ id: telegramId, first_name: 'Mini' }), auth_date: String(Math.floor(Date.now() / 1000)), query_id: 'AAE1' },
      world.server.botToken,
    );

  it('paddle: returns the fake Paddle checkout URL; the transaction carries the account, the top-up and the amount', async () => {
    const user = await world.register();
    const response = await world.call('POST', '/api/v1/payment/topup', {
      auth: { apiKey: user.apiKey },
      body: { method: 'paddle', amount_micros: 25_000_000 },
    });
    expect(response.status).toBe(201);
    const transactionId = new URL(response.body.checkout_url).searchParams.get('_ptxn');
    expect(response.body).toMatchObject({
      method: 'paddle',
      status: 'pending',
      amount_micros: 25_000_000,
      amount_usd: '25.000000',
      stars: null,
      invoice_link: null,
      completed_at: null,
      checkout_url: `${world.server.url}/pay?_ptxn=${transactionId}`,
    });
    expect(response.body.id).toMatch(/^top_/);
    const request = world.paddle.requestsTo('POST', '/transactions').at(-1)!;
    expect(request.headers.authorization).toBe(`bearer ${world.paddle.apiKey}`);
    expect(request.body?.custom_data).toEqual({ account_id: user.accountId, topup_id: response.body.id });
    expect(request.body?.items).toHaveLength(1);
    expect(request.body?.items?.[0]?.price?.unit_price).toEqual({ amount: '2500', currency_code: 'USD' });
    expect(request.body?.currency_code).toBe('USD');
    expect(world.paddle.transaction(transactionId!)?.custom_data).toEqual({ account_id: user.accountId, topup_id: response.body.id });

    const fetched = await world.call('GET', `/api/v1/payment/topup/${response.body.id}`, { auth: { apiKey: user.apiKey } });
    expect(fetched.body).toEqual(response.body);
    const stranger = await world.register();
    expect((await world.call('GET', `/api/v1/payment/topup/${response.body.id}`, { auth: { apiKey: stranger.apiKey } })).status).toBe(404);
  });

  it('stars: returns an invoice link for the right number of Stars (XTR, empty provider token, one price, payload = top-up id)', async () => {
    const user = await world.register();
    const response = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 5_000_000 } });
    expect(response.status).toBe(201);
    const stars = Math.ceil(5_000_000 / MICROS_PER_STAR); // 385
    expect(stars).toBe(385);
    // The chosen $5.00 is what the top-up credits; the Stars round up to cover it.
    expect(response.body).toMatchObject({ method: 'stars', status: 'pending', stars, amount_micros: 5_000_000, checkout_url: null });
    expect(response.body.invoice_link).toMatch(/^https:\/\/t\.me\/\$/);
    const call = world.telegram.callsOf('createInvoiceLink').at(-1)!;
    expect(call.token).toBe(world.server.botToken);
    expect(call.params).toMatchObject({ payload: response.body.id, provider_token: '', currency: 'XTR', prices: [{ amount: stars }] });
    expect(call.params.prices).toHaveLength(1);
    expect(call.params).toMatchObject({ title: 'kikuai balance', description: 'Top up your kikuai balance by $5.00 (385 Stars).' });
  });

  it("writes the invoice and the card checkout item in the payer's Telegram language", async () => {
    const user = await world.register({ language_code: 'ru' });
    const stars = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 12_500_000 } });
    expect(stars.status).toBe(201);
    expect(world.telegram.callsOf('createInvoiceLink').at(-1)!.params).toMatchObject({
      title: 'Баланс kikuai',
      description: `Пополнение баланса kikuai на 12,50\u00a0$ (${stars.body.stars} Stars).`,
      prices: [{ label: '12,50\u00a0$ на баланс', amount: stars.body.stars }],
    });
  });

  it('refuses amounts outside the configured range, fractions of a cent for cards, and unknown methods with 400 problem+json', async () => {
    const user = await world.register();
    for (const [method, amount] of [
      ['paddle', 999_999],
      ['paddle', 500_000_001],
      ['stars', 10],
      ['paddle', 1_000_001],
    ] as const) {
      const response = await world.call('POST', '/api/v1/payment/topup', { auth: { apiKey: user.apiKey }, body: { method, amount_micros: amount } });
      expect(response.status, `${method} ${amount}`).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(response.body.code).toBe('invalid_amount');
    }
    const zero = await world.call('POST', '/api/v1/payment/topup', { auth: { apiKey: user.apiKey }, body: { method: 'paddle', amount_micros: 0 } });
    expect(zero.status).toBe(400);
    const unknown = await world.call('POST', '/api/v1/payment/topup', { auth: { apiKey: user.apiKey }, body: { method: 'paypal', amount_micros: 5_000_000 } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.code).toBe('validation_failed');
    expect(world.paddle.requestsTo('POST', '/transactions').every((request) => request.body?.custom_data?.account_id !== user.accountId)).toBe(true);
  });

  it('the same Idempotency-Key twice gives one top-up', async () => {
    const user = await world.register();
    const before = world.paddle.requestsTo('POST', '/transactions').length;
    const request = { auth: { apiKey: user.apiKey }, body: { method: 'paddle', amount_micros: 10_000_000 }, headers: { 'idempotency-key': 'topup-once-1' } };
    const first = await world.call('POST', '/api/v1/payment/topup', request);
    const second = await world.call('POST', '/api/v1/payment/topup', request);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    expect(world.paddle.requestsTo('POST', '/transactions').length).toBe(before + 1);
    const reused = await world.call('POST', '/api/v1/payment/topup', { ...request, body: { method: 'paddle', amount_micros: 20_000_000 } });
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
  });

  it('inside Telegram offers Stars and refuses Paddle; outside, Paddle first', async () => {
    const user = await world.register();
    const web = await world.call('GET', '/api/v1/payment/options', { auth: { apiKey: user.apiKey } });
    expect(web.body).toEqual({
      currency: 'USD',
      min_micros: 1_000_000,
      max_micros: 500_000_000,
      // 10,000 Stars, the most Telegram takes for one invoice, at $0.013 a Star.
      stars_max_micros: 130_000_000,
      presets_micros: [5_000_000, 10_000_000, 25_000_000, 50_000_000],
      methods: ['paddle', 'stars'],
      micros_per_star: MICROS_PER_STAR,
    });
    const starsAt = (amount_micros: number) =>
      world.call('POST', '/api/v1/payment/topup', { auth: { apiKey: user.apiKey }, body: { method: 'stars', amount_micros } });
    expect((await starsAt(web.body.stars_max_micros)).body).toMatchObject({ stars: 10_000, amount_micros: 130_000_000 });
    expect((await starsAt(web.body.stars_max_micros + 1)).body).toMatchObject({ status: 400, code: 'invalid_amount' });
    const bot = await world.call('GET', '/api/v1/payment/options', { auth: user.bot });
    expect(bot.body.methods).toEqual(['stars']);
    const miniApp = await world.call('GET', '/api/v1/payment/options', { auth: { initData: initDataFor(user.telegramId) } });
    expect(miniApp.status).toBe(200);
    expect(miniApp.body.methods).toEqual(['stars']);

    for (const auth of [user.bot, { initData: initDataFor(user.telegramId) }]) {
      const refused = await world.call('POST', '/api/v1/payment/topup', { auth, body: { method: 'paddle', amount_micros: 5_000_000 } });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('payment_method_unavailable');
    }
    const stars = await world.call('POST', '/api/v1/payment/topup', {
      auth: { initData: initDataFor(user.telegramId) },
      body: { method: 'stars', amount_micros: 5_000_000 },
    });
    expect(stars.status).toBe(201);
  });

  it('reports a provider failure as 502 and marks the top-up failed', async () => {
    const user = await world.register();
    world.paddle.failNext(500, { type: 'api_error', code: 'internal_error', detail: 'Paddle is having a moment' });
    const failed = await world.call('POST', '/api/v1/payment/topup', { auth: { apiKey: user.apiKey }, body: { method: 'paddle', amount_micros: 5_000_000 } });
    expect(failed.status).toBe(502);
    expect(failed.body.code).toBe('payment_provider_error');
    expect(failed.text).not.toContain(world.paddle.apiKey);
    world.telegram.failNext('createInvoiceLink', { error_code: 400, description: 'Bad Request: CURRENCY_TOTAL_AMOUNT_INVALID' });
    const starsFailed = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 5_000_000 } });
    expect(starsFailed.status).toBe(502);
    expect(starsFailed.text).not.toContain(world.server.botToken);
  });

  it('serves /pay, the default payment link page that opens the checkout with Paddle.js', async () => {
    const page = await fetch(`${world.server.url}/pay?_ptxn=txn_01abc`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('https://cdn.paddle.com/paddle/v2/paddle.js');
    expect(html).toContain(world.paddle.clientToken);
    expect(html).toContain("Paddle.Environment.set('sandbox')");
    expect(html).toContain('Paddle.Initialize');
  });
});

describe('top-ups with Paddle allowed inside Telegram', () => {
  let world: PaymentsWorld;
  beforeAll(async () => {
    world = await startPaymentsWorld({ env: { KIKUAI_PADDLE_IN_TELEGRAM: 'true' } });
  });
  afterAll(async () => world?.close());

  it('offers both methods to the bot, Stars first, and accepts Paddle there', async () => {
    const user = await world.register();
    expect((await world.call('GET', '/api/v1/payment/options', { auth: user.bot })).body.methods).toEqual(['stars', 'paddle']);
    const paddle = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'paddle', amount_micros: 5_000_000 } });
    expect(paddle.status).toBe(201);
    expect(paddle.body.checkout_url).toContain('_ptxn=txn_');
  });
});
