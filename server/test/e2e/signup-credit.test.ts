/**
 * Issue 16: a new account starts with the operator's signup credit, once per Telegram
 * user however its registration races (the bot's /start and the Mini App's first open),
 * and remembers who showed its first key's secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInitData, startTestServer, type TestServer } from '@kikuai/testkit';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { caller } from '../support/http.js';

describe.each(STORE_KINDS)('signup credit over HTTP (%s store)', (storeKind) => {
  let server: TestServer;
  let call: ReturnType<typeof caller>;
  let nextUser = 610_000_000 + Math.floor(Math.random() * 1_000_000) * 10;

  beforeAll(async () => {
    server = await startTestServer({ store: storeKind, env: { KIKUAI_SIGNUP_CREDIT_MICROS: '100000', KIKUAI_DEFAULT_LOW_BALANCE_MICROS: '1000000' } });
    call = caller(server);
  });
  afterAll(async () => {
    await server?.close();
  });

  const bot = (telegramUserId: number) => ({ service: server.serviceToken, telegramUserId });
  const miniApp = (telegramUserId: number) => ({
    initData: signInitData(
      { auth_date: String(Math.floor(Date.now() / 1000)), query_id: 'AAHtest', user: JSON.stringify({ id: telegramUserId, first_name: 'Mia' }) },
      server.botToken,
    ),
  });

  it('credits a new account once when the bot and the Mini App register it at the same time, and shows it in the history', async () => {
    const telegramUserId = nextUser++;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        i % 2 === 0
          ? call('POST', '/api/v1/auth/register', { auth: bot(telegramUserId), body: { telegram_user: { id: telegramUserId } } })
          : call('POST', '/api/v1/auth/register', { auth: miniApp(telegramUserId) }),
      ),
    );
    expect(results.filter((result) => result.status === 201)).toHaveLength(1);

    const balance = await call('GET', '/api/v1/balance', { auth: bot(telegramUserId) });
    expect(balance.body).toMatchObject({ balance_micros: 100_000, balance_usd: '0.100000', low_balance: false });
    const history = await call('GET', '/api/v1/history', { auth: bot(telegramUserId) });
    expect(history.body.data).toHaveLength(1);
    expect(history.body.data[0]).toMatchObject({ kind: 'signup_credit', amount_micros: 100_000, external_ref: `signup:${telegramUserId}` });
  });

  it('remembers that the Mini App showed the first secret, so a later /start can say so', async () => {
    const telegramUserId = nextUser++;
    const first = await call('POST', '/api/v1/auth/register', { auth: miniApp(telegramUserId) });
    expect(first.status).toBe(201);
    expect(first.body.api_key.secret).toMatch(/^kik_/);
    expect(first.body.account).toMatchObject({ first_key_shown_in: 'mini_app', balance_micros: 100_000 });

    const later = await call('POST', '/api/v1/auth/register', { auth: bot(telegramUserId), body: { telegram_user: { id: telegramUserId } } });
    expect(later.status).toBe(200);
    expect(later.body).toMatchObject({ created: false, api_key: null, account: { first_key_shown_in: 'mini_app', balance_micros: 100_000 } });
    expect(later.text).not.toContain(first.body.api_key.secret);
  });

  it("records the bot as the first secret's place when /start comes first", async () => {
    const telegramUserId = nextUser++;
    const first = await call('POST', '/api/v1/auth/register', { auth: bot(telegramUserId), body: { telegram_user: { id: telegramUserId } } });
    expect(first.body.account.first_key_shown_in).toBe('bot');
  });
});
