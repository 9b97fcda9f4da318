import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInitData, startTestServer, type TestServer } from '@kikuai/testkit';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { caller, TestClock, type CallResult } from '../support/http.js';
import { usageEvent } from '../support/store.js';
import type { UsageEvent } from '../../src/store/types.js';

function initDataFor(server: TestServer, user: Record<string, unknown>, authDate = Math.floor(Date.now() / 1000)): string {
  return signInitData({ auth_date: String(authDate), query_id: 'AAHtest', user: JSON.stringify(user) }, server.botToken);
}

function expectProblem(result: CallResult, status: number, code: string) {
  expect(result.status).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(result.body).toMatchObject({ status, code, request_id: result.headers.get('x-request-id') });
  expect(result.text).not.toMatch(/at .*\.(ts|js):\d+/); // no stack trace
}

describe.each(STORE_KINDS)('accounts and keys over HTTP (%s store)', (storeKind) => {
  let server: TestServer;
  let call: ReturnType<typeof caller>;
  const clock = new TestClock();
  let nextUser = 500_000_000 + Math.floor(Math.random() * 1_000_000) * 10;

  beforeAll(async () => {
    server = await startTestServer({ store: storeKind, now: clock.now, env: { KIKUAI_MAX_KEYS_PER_ACCOUNT: '5' } });
    call = caller(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  const botAuth = (telegramUserId: number) => ({ service: server.serviceToken, telegramUserId });

  async function registerThroughBot(telegramUserId = nextUser++) {
    const result = await call('POST', '/api/v1/auth/register', {
      auth: botAuth(telegramUserId),
      body: { telegram_user: { id: telegramUserId, username: 'ann', first_name: 'Ann', language_code: 'en' } },
    });
    return { telegramUserId, result };
  }

  it('registers a Telegram user through the bot credential, once, with one first key', async () => {
    const { telegramUserId, result } = await registerThroughBot();
    expect(result.status).toBe(201);
    expect(result.body.created).toBe(true);
    expect(result.body.account).toMatchObject({ telegram_id: telegramUserId, username: 'ann', status: 'active', balance_micros: 0, balance_usd: '0.000000' });
    expect(result.body.api_key.secret).toMatch(/^kik_[0-9A-Za-z]{49}$/);

    const again = await call('POST', '/api/v1/auth/register', {
      auth: botAuth(telegramUserId),
      body: { telegram_user: { id: telegramUserId, username: 'renamed' } },
    });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, api_key: null });
    expect(again.body.account.id).toBe(result.body.account.id);
    expect(again.body.account.username).toBe('ann'); // returned unchanged

    const keys = await call('GET', '/api/v1/api_keys', { auth: botAuth(telegramUserId) });
    expect(keys.body.data).toHaveLength(1);
  });

  it('makes one account and one key when registers of one user race', async () => {
    const telegramUserId = nextUser++;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        call('POST', '/api/v1/auth/register', { auth: botAuth(telegramUserId), body: { telegram_user: { id: telegramUserId } } }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(1);
    expect(new Set(results.map((result) => result.body.account.id)).size).toBe(1);
    const keys = await call('GET', '/api/v1/api_keys', { auth: botAuth(telegramUserId) });
    expect(keys.body.data).toHaveLength(1);
  });

  it('registers through Mini App initData, and the same user is the same account for the bot', async () => {
    const telegramUserId = nextUser++;
    const initData = initDataFor(server, { id: telegramUserId, first_name: 'Mia', language_code: 'ru' });
    const result = await call('POST', '/api/v1/auth/register', { auth: { initData } });
    expect(result.status).toBe(201);
    expect(result.body.account).toMatchObject({ telegram_id: telegramUserId, first_name: 'Mia', language_code: 'ru' });
    const viaBot = await call('GET', '/api/v1/auth/me', { auth: botAuth(telegramUserId) });
    expect(viaBot.body.account.id).toBe(result.body.account.id);
    expect(viaBot.body.auth).toEqual({ method: 'bot_service', key_id: null });
  });

  it('refuses wrong, forged and expired credentials with 401 problems', async () => {
    expectProblem(await call('GET', '/api/v1/auth/me'), 401, 'unauthenticated');
    expectProblem(await call('GET', '/api/v1/auth/me', { auth: { authorization: 'Bearer kik_short' } }), 401, 'invalid_api_key');
    expectProblem(await call('GET', '/api/v1/auth/me', { auth: { service: 'wrong-service-token-000', telegramUserId: 1 } }), 401, 'invalid_service_token');
    const forged = initDataFor(server, { id: 1 }).replace(/hash=[0-9a-f]{4}/, 'hash=0000');
    expectProblem(await call('GET', '/api/v1/auth/me', { auth: { initData: forged } }), 401, 'invalid_init_data');
    const old = initDataFor(server, { id: nextUser++ }, Math.floor(Date.now() / 1000) - 2 * 86_400);
    expectProblem(await call('GET', '/api/v1/auth/me', { auth: { initData: old } }), 401, 'init_data_expired');
    expectProblem(await call('GET', '/api/v1/admin/accounts?telegram_id=1', { auth: { admin: 'not-the-admin-token' } }), 401, 'invalid_admin_token');
  });

  it('answers me for an API key with the key used', async () => {
    const { result } = await registerThroughBot();
    const me = await call('GET', '/api/v1/auth/me', { auth: { apiKey: result.body.api_key.secret } });
    expect(me.status).toBe(200);
    expect(me.body.auth).toEqual({ method: 'api_key', key_id: result.body.api_key.id });
  });

  it('updates the account settings: the low-balance threshold and the language', async () => {
    const { result } = await registerThroughBot();
    const auth = { apiKey: result.body.api_key.secret };
    expect(result.body.account.low_balance_threshold_micros).toBe(1_000_000);
    const updated = await call('PATCH', '/api/v1/auth/me', { auth, body: { low_balance_threshold_micros: 250_000, language_code: 'ru' } });
    expect(updated.status).toBe(200);
    expect(updated.body.account).toMatchObject({ low_balance_threshold_micros: 250_000, language_code: 'ru' });
    const cleared = await call('PATCH', '/api/v1/auth/me', { auth, body: { language_code: null } });
    expect(cleared.body.account).toMatchObject({ low_balance_threshold_micros: 250_000, language_code: null });
    expectProblem(await call('PATCH', '/api/v1/auth/me', { auth, body: {} }), 400, 'validation_failed');
  });

  it('creates, lists, shows, updates, disables and revokes keys, with the secret shown once', async () => {
    const { result } = await registerThroughBot();
    const auth = { apiKey: result.body.api_key.secret };
    const created = await call('POST', '/api/v1/api_keys', {
      auth,
      body: { name: 'ci', allowed_products: ['reliapi'], spend_limit_micros: 5_000_000, spend_limit_period: 'monthly' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      name: 'ci',
      status: 'active',
      allowed_products: ['reliapi'],
      spend_limit: { limit_micros: 5_000_000, period: 'monthly', spent_micros: 0 },
    });
    const secret: string = created.body.secret;
    expect(created.body.prefix).toBe(secret.slice(0, 8));
    expect(created.body.last_four).toBe(secret.slice(-4));

    const listed = await call('GET', '/api/v1/api_keys', { auth });
    expect(listed.body.data.map((key: { id: string }) => key.id)).toEqual([result.body.api_key.id, created.body.id]);
    expect(listed.text).not.toContain(secret);

    const shown = await call('GET', `/api/v1/api_keys/${created.body.id}`, { auth });
    expect(shown.body).not.toHaveProperty('secret');

    const renamed = await call('PATCH', `/api/v1/api_keys/${created.body.id}`, { auth, body: { name: 'deploy', spend_limit_micros: null } });
    expect(renamed.body).toMatchObject({ name: 'deploy', spend_limit: null });

    const disabled = await call('PATCH', `/api/v1/api_keys/${created.body.id}`, { auth, body: { enabled: false } });
    expect(disabled.body).toMatchObject({ enabled: false, status: 'disabled' });
    expectProblem(await call('GET', '/api/v1/balance', { auth: { apiKey: secret } }), 401, 'key_disabled');
    await call('PATCH', `/api/v1/api_keys/${created.body.id}`, { auth, body: { enabled: true } });
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: secret } })).status).toBe(200);

    const revoked = await call('DELETE', `/api/v1/api_keys/${created.body.id}`, { auth });
    expect(revoked.body.status).toBe('revoked');
    const afterRevoke = await call('GET', '/api/v1/balance', { auth: { apiKey: secret } });
    expect(afterRevoke.status).toBe(401);
    expect(['key_revoked', 'key_not_found']).toContain(afterRevoke.body.code);
    expectProblem(await call('GET', `/api/v1/api_keys/${created.body.id}`, { auth }), 404, 'not_found');
  });

  it('rotates a key: same id, new secret, the old one valid only through its grace period', async () => {
    const { result } = await registerThroughBot();
    const oldSecret: string = result.body.api_key.secret;
    const keyId: string = result.body.api_key.id;
    const rotated = await call('POST', `/api/v1/api_keys/${keyId}/rotate`, {
      auth: { apiKey: oldSecret },
      body: { grace_period_seconds: 60 },
      headers: { 'idempotency-key': `rotate-${keyId}` },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.body.id).toBe(keyId);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(rotated.body.previous_secret_expires_at).not.toBeNull();

    const replay = await call('POST', `/api/v1/api_keys/${keyId}/rotate`, {
      auth: { apiKey: rotated.body.secret },
      body: { grace_period_seconds: 60 },
      headers: { 'idempotency-key': `rotate-${keyId}` },
    });
    expect(replay.body.secret).toBe(rotated.body.secret);

    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: oldSecret } })).status).toBe(200);
    clock.advance(61);
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: oldSecret } })).status).toBe(401);
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: rotated.body.secret } })).status).toBe(200);
  });

  it('refuses an expired key', async () => {
    const { result } = await registerThroughBot();
    const auth = { apiKey: result.body.api_key.secret };
    const expiresAt = new Date(clock.now().getTime() + 30_000).toISOString();
    const created = await call('POST', '/api/v1/api_keys', { auth, body: { name: 'short-lived', expires_at: expiresAt } });
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: created.body.secret } })).status).toBe(200);
    clock.advance(31);
    expectProblem(await call('GET', '/api/v1/balance', { auth: { apiKey: created.body.secret } }), 401, 'key_expired');
    expect((await call('GET', `/api/v1/api_keys/${created.body.id}`, { auth })).body.status).toBe('expired');
  });

  it("hides another account's keys: their ids are 404s and nothing changes", async () => {
    const alice = (await registerThroughBot()).result.body;
    const bob = (await registerThroughBot()).result.body;
    const asBob = { apiKey: bob.api_key.secret };
    const target = alice.api_key.id;
    expectProblem(await call('GET', `/api/v1/api_keys/${target}`, { auth: asBob }), 404, 'not_found');
    expectProblem(await call('PATCH', `/api/v1/api_keys/${target}`, { auth: asBob, body: { enabled: false } }), 404, 'not_found');
    expectProblem(await call('POST', `/api/v1/api_keys/${target}/rotate`, { auth: asBob }), 404, 'not_found');
    expectProblem(await call('DELETE', `/api/v1/api_keys/${target}`, { auth: asBob }), 404, 'not_found');
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: alice.api_key.secret } })).status).toBe(200);
  });

  it('limits the number of keys per account', async () => {
    const { result } = await registerThroughBot();
    const auth = { apiKey: result.body.api_key.secret };
    for (let index = 0; index < 4; index += 1) expect((await call('POST', '/api/v1/api_keys', { auth, body: { name: `k${index}` } })).status).toBe(201);
    expectProblem(await call('POST', '/api/v1/api_keys', { auth, body: { name: 'one too many' } }), 409, 'too_many_keys');
  });

  it('lets the operator find, credit, suspend and restore an account; a suspended account is refused', async () => {
    const { telegramUserId, result } = await registerThroughBot();
    const admin = { admin: server.adminToken };
    const accountId: string = result.body.account.id;
    const found = await call('GET', `/api/v1/admin/accounts?telegram_id=${telegramUserId}`, { auth: admin });
    expect(found.body.data).toHaveLength(1);
    expect(found.body.data[0].account.id).toBe(accountId);
    expect((await call('GET', `/api/v1/admin/accounts?account_id=${accountId}`, { auth: admin })).body.data[0].keys).toHaveLength(1);

    const grant = await call('POST', `/api/v1/admin/accounts/${accountId}/credit`, {
      auth: admin,
      body: { amount_micros: 2_500_000, reason: 'welcome', external_ref: 'welcome-1' },
    });
    expect(grant.body).toMatchObject({ applied: true, balance_micros: 2_500_000, entry: { kind: 'credit', amount_micros: 2_500_000 } });
    const again = await call('POST', `/api/v1/admin/accounts/${accountId}/credit`, {
      auth: admin,
      body: { amount_micros: 2_500_000, reason: 'welcome', external_ref: 'welcome-1' },
    });
    expect(again.body).toMatchObject({ applied: false, balance_micros: 2_500_000 });
    const tooMuch = await call('POST', `/api/v1/admin/accounts/${accountId}/credit`, { auth: admin, body: { amount_micros: -3_000_000, reason: 'oops' } });
    expectProblem(tooMuch, 402, 'insufficient_balance');

    await call('POST', `/api/v1/admin/accounts/${accountId}/suspend`, { auth: admin, body: { reason: 'chargeback' } });
    expectProblem(await call('GET', '/api/v1/balance', { auth: { apiKey: result.body.api_key.secret } }), 403, 'account_suspended');
    const restored = await call('POST', `/api/v1/admin/accounts/${accountId}/restore`, { auth: admin });
    expect(restored.body.account.status).toBe('active');
    const balance = await call('GET', '/api/v1/balance', { auth: { apiKey: result.body.api_key.secret } });
    expect(balance.body).toMatchObject({ balance_micros: 2_500_000, balance_usd: '2.500000', account_status: 'active' });
    expect((await call('GET', `/api/v1/admin/accounts/${accountId}`, { auth: admin })).body.ledger_sum_micros).toBe(2_500_000);
  });

  it('pages the history newest first, with no gaps or repeats', async () => {
    const { result } = await registerThroughBot();
    const accountId: string = result.body.account.id;
    for (let index = 1; index <= 7; index += 1) await server.credit(accountId, index * 1000, `credit ${index}`);
    const auth = { apiKey: result.body.api_key.secret };
    const seen: number[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: CallResult = await call('GET', `/api/v1/history?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { auth });
      expect(page.status).toBe(200);
      seen.push(...page.body.data.map((entry: { amount_micros: number }) => entry.amount_micros));
      cursor = page.body.next_cursor;
      pages += 1;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([7000, 6000, 5000, 4000, 3000, 2000, 1000]);
    expectProblem(await call('GET', '/api/v1/history?cursor=not-a-cursor', { auth }), 400, 'validation_failed');
  });

  it('reports usage by day, product and key, as JSON and as CSV', async () => {
    const { result } = await registerThroughBot();
    const accountId: string = result.body.account.id;
    const keyId: string = result.body.api_key.id;
    const use = (at: string, latency_ms: number, overrides: Partial<UsageEvent> = {}) => usageEvent(accountId, keyId, { at, latency_ms, ...overrides });
    await server.store.recordUsage([
      use('2026-11-20T10:00:00.000Z', 100),
      use('2026-11-20T23:59:00.000Z', 300),
      use('2026-11-21T01:00:00.000Z', 50, { endpoint: 'http', cost_micros: 0, upstream_status: 502 }),
      use('2026-11-25T01:00:00.000Z', 10),
    ]);
    const auth = { apiKey: result.body.api_key.secret };
    const usage = await call('GET', '/api/v1/usage?from=2026-11-20&to=2026-11-21', { auth });
    expect(usage.status).toBe(200);
    expect(usage.body.rows).toEqual([
      { day: '2026-11-20', product_id: 'reliapi', key_id: keyId, requests: 2, errors: 0, cost_micros: 2000, cost_usd: '0.002000', avg_latency_ms: 200 },
      { day: '2026-11-21', product_id: 'reliapi', key_id: keyId, requests: 1, errors: 1, cost_micros: 0, cost_usd: '0.000000', avg_latency_ms: 50 },
    ]);
    expect(usage.body.totals).toEqual({ requests: 3, errors: 1, cost_micros: 2000, cost_usd: '0.002000' });

    const csv = await call('GET', '/api/v1/usage?from=2026-11-20&to=2026-11-25&format=csv', { auth });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.trim().split('\n')).toEqual([
      'day,product_id,key_id,requests,errors,cost_micros,cost_usd,avg_latency_ms',
      `2026-11-20,reliapi,${keyId},2,0,2000,0.002000,200`,
      `2026-11-21,reliapi,${keyId},1,1,0,0.000000,50`,
      `2026-11-25,reliapi,${keyId},1,0,1000,0.001000,10`,
    ]);
    expectProblem(await call('GET', '/api/v1/usage?from=2026-11-25&to=2026-11-20', { auth }), 400, 'validation_failed');
    expectProblem(await call('GET', '/api/v1/usage?from=2025-01-01&to=2026-11-20', { auth }), 400, 'validation_failed');
  });

  it('refuses bad input with 4xx problems and writes nothing', async () => {
    const { result } = await registerThroughBot();
    const auth = { apiKey: result.body.api_key.secret };
    const admin = { admin: server.adminToken };
    const accountId: string = result.body.account.id;
    const cases: Array<[string, string, Parameters<typeof call>[2], number, string]> = [
      ['POST', '/api/v1/api_keys', { auth, rawBody: '{"name": "x",' }, 400, 'malformed_json'],
      ['POST', '/api/v1/api_keys', { auth, body: { name: 42 } }, 400, 'validation_failed'],
      ['POST', '/api/v1/api_keys', { auth, body: { name: 'x', admin: true } }, 400, 'validation_failed'],
      ['POST', '/api/v1/api_keys', { auth, body: { name: 'x'.repeat(2_000_000) } }, 413, 'payload_too_large'],
      ['POST', '/api/v1/api_keys', { auth, body: { spend_limit_micros: 1.5, spend_limit_period: 'daily' } }, 400, 'validation_failed'],
      ['POST', '/api/v1/api_keys', { auth, body: { spend_limit_micros: -5, spend_limit_period: 'daily' } }, 400, 'validation_failed'],
      ['POST', '/api/v1/api_keys', { auth, body: { expires_at: '2000-01-01T00:00:00Z' } }, 400, 'validation_failed'],
      ['POST', '/api/v1/api_keys', { auth, rawBody: 'name=x', headers: { 'content-type': 'text/plain' } }, 415, 'unsupported_media_type'],
      ['POST', `/api/v1/admin/accounts/${accountId}/credit`, { auth: admin, body: { amount_micros: 1e16, reason: 'huge' } }, 400, 'validation_failed'],
      ['POST', `/api/v1/admin/accounts/${accountId}/credit`, { auth: admin, body: { amount_micros: 0.5, reason: 'fraction' } }, 400, 'validation_failed'],
      ['POST', `/api/v1/admin/accounts/${accountId}/credit`, { auth: admin, body: { amount_micros: '100', reason: 'string' } }, 400, 'validation_failed'],
      ['POST', `/api/v1/admin/accounts/${accountId}/credit`, { auth: admin, body: { amount_micros: 0, reason: 'zero' } }, 400, 'validation_failed'],
      ['GET', '/api/v1/history?limit=1000', { auth }, 400, 'validation_failed'],
      ['GET', '/api/v1/balance', { auth: { authorization: `Bearer ${result.body.api_key.secret.slice(0, -1)}x` } }, 401, 'invalid_api_key'],
      ['GET', '/api/v1/nothing-here', { auth }, 404, 'route_not_found'],
    ];
    for (const [method, path, options, status, code] of cases) {
      const response = await call(method, path, options);
      expect({ path, status: response.status, code: response.body?.code }).toEqual({ path, status, code });
      expectProblem(response, status, code);
    }
    const keys = await call('GET', '/api/v1/api_keys', { auth });
    expect(keys.body.data).toHaveLength(1);
    expect(await server.store.sumLedger(accountId)).toBe(0);
    expect((await call('GET', '/api/v1/balance', { auth })).body.balance_micros).toBe(0);
  });
});

describe('rate limits', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: STORE_KINDS.at(-1), env: { KIKUAI_RATE_LIMIT_PER_KEY: '3', KIKUAI_RATE_LIMIT_WINDOW_SECONDS: '3600' } });
  });
  afterAll(async () => server?.close());

  it('answers 429 with Retry-After and RateLimit headers once a key has used its window, on every instance', async () => {
    const call = caller(server);
    const { apiKey } = await server.register();
    const statuses: number[] = [];
    let last: CallResult | null = null;
    for (let index = 0; index < 4; index += 1) {
      last = await call('GET', '/api/v1/balance', { auth: { apiKey } });
      statuses.push(last.status);
      if (index === 0) expect(last.headers.get('ratelimit-remaining')).toBe('2');
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(last!.body.code).toBe('rate_limited');
    expect(Number(last!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last!.headers.get('ratelimit-limit')).toBe('3');
    expect(last!.headers.get('ratelimit-remaining')).toBe('0');
  });
});

describe.each(STORE_KINDS)('the account rate limit covers every caller (%s store)', (storeKind) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ store: storeKind, env: { KIKUAI_RATE_LIMIT_PER_ACCOUNT: '3', KIKUAI_RATE_LIMIT_WINDOW_SECONDS: '3600' } });
  });
  afterAll(async () => server?.close());

  it('counts the bot acting for a user and the Mini App against the account, and the keys share it', async () => {
    const call = caller(server);
    const { account, apiKey } = await server.register();
    const bot = { service: server.serviceToken, telegramUserId: account.telegram_id };
    const miniApp = { initData: initDataFor(server, { id: account.telegram_id, first_name: 'Test' }) };
    const first = await call('GET', '/api/v1/balance', { auth: bot });
    expect(first.status).toBe(200);
    expect(first.headers.get('ratelimit-remaining')).toBe('2');
    expect((await call('GET', '/api/v1/balance', { auth: miniApp })).status).toBe(200);
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey } })).status).toBe(200);
    for (const auth of [bot, miniApp, { apiKey }]) {
      const refused = await call('GET', '/api/v1/balance', { auth });
      expectProblem(refused, 429, 'rate_limited');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    // Another account is not affected.
    const other = await server.register();
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: other.apiKey } })).status).toBe(200);
  });
});
