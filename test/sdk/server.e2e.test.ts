/**
 * The built SDK against the real kikuai server (SQLite store, real port), for the operations
 * that need no upstream: every caller kind, keys, balance, history, usage, admin, errors.
 */
import { signInitData, startTestServer, type TestServer } from '@kikuai/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKikuaiClient, KikuaiError } from '@kikuai/sdk';

describe('against the real server', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(() => server?.close());

  it('registers through the bot, then works with the first API key', async () => {
    const telegramUserId = 700_000_000 + Math.floor(Math.random() * 1_000_000);
    const bot = createKikuaiClient({ baseUrl: server.url, auth: { serviceToken: server.serviceToken, telegramUserId } });

    const registered = await bot.auth.register({ telegram_user: { id: telegramUserId, username: 'sdk_e2e' } });
    const again = await bot.auth.register({ telegram_user: { id: telegramUserId } });

    expect(registered.created).toBe(true);
    expect(again.created).toBe(false);
    const user = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: registered.api_key!.secret } });
    const me = await user.auth.me();
    expect(me.account.id).toBe(registered.account.id);
    expect(me.auth.method).toBe('api_key');
    expect((await bot.auth.me()).auth.method).toBe('bot_service');
  });

  it('manages keys: create, list, update, rotate, revoke', async () => {
    const { apiKey } = await server.register();
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey } });

    const created = await kikuai.keys.create({ name: 'ci', spend_limit_micros: 5_000_000, spend_limit_period: 'monthly' });
    const updated = await kikuai.keys.update(created.id, { enabled: false });
    const rotated = await kikuai.keys.rotate(created.id, { grace_period_seconds: 60 });
    const listed = await kikuai.keys.list();
    const revoked = await kikuai.keys.revoke(created.id);

    expect(created.secret).toMatch(/^kik_/);
    expect(updated.enabled).toBe(false);
    expect(rotated.secret).not.toBe(created.secret);
    expect(listed.data.map((key) => key.id)).toContain(created.id);
    expect(revoked.status).toBe('revoked');
    await expect(createKikuaiClient({ baseUrl: server.url, auth: { apiKey: created.secret } }).balance.get()).rejects.toMatchObject({ status: 401 });
  });

  it('shows operator credit in the balance and pages through the history', async () => {
    const { apiKey, account } = await server.register();
    const operator = createKikuaiClient({ baseUrl: server.url, auth: { adminToken: server.adminToken } });
    for (let index = 1; index <= 5; index += 1) await operator.admin.adjustCredit(account.id, { amount_micros: index * 1_000, reason: `grant ${index}` });
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey } });

    const balance = await kikuai.balance.get();
    const amounts: number[] = [];
    for await (const entry of kikuai.history.iterate({ limit: 2 })) amounts.push(entry.amount_micros);

    expect(balance.balance_micros).toBe(15_000);
    expect(amounts.sort()).toEqual([1_000, 2_000, 3_000, 4_000, 5_000]);
    expect((await operator.admin.getAccount(account.id)).account.id).toBe(account.id);
    expect(typeof (await kikuai.usage.csv())).toBe('string');
    expect((await kikuai.usage.get()).totals.requests).toBe(0);
  });

  it('authenticates a Mini App by its initData', async () => {
    const { account } = await server.register();
    const user = JSON.stringify({ id: account.telegram_id, first_name: 'Test' });
    const initData = signInitData({ user, auth_date: String(Math.floor(Date.now() / 1000)), query_id: 'AAHsdk' }, server.botToken);
    const miniApp = createKikuaiClient({ baseUrl: server.url, auth: { initData } });

    const me = await miniApp.auth.me();

    expect(me.account.id).toBe(account.id);
    expect(me.auth.method).toBe('telegram_init_data');
  });

  it('throws a KikuaiError with the code and request id of the server', async () => {
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: `kik_${'x'.repeat(44)}` } });

    const error = (await kikuai.balance.get().catch((caught: unknown) => caught)) as KikuaiError;

    expect(error).toBeInstanceOf(KikuaiError);
    expect(error.status).toBe(401);
    expect(error.code).toBe('invalid_api_key');
    expect(error.requestId).toBeTruthy();
    expect(error.requestId).toBe(error.headers?.get('X-Request-Id'));
  });

  it('reads the public operations', async () => {
    const kikuai = createKikuaiClient({ baseUrl: server.url });
    expect((await kikuai.operations.health()).status).toBe('ok');
    expect((await kikuai.operations.readiness()).status).toBe('ready');
    expect(await kikuai.operations.openapi()).toContain('openapi: 3.1.0');
    expect(Array.isArray((await kikuai.products.list()).data)).toBe(true);
  });
});
