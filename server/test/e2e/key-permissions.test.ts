/**
 * Key permissions over HTTP, on both stores: what each operation needs from an API key,
 * and the bounds a key cannot lift (server/README.md, "Key permissions"). The attacks of
 * issue 13 item 2 — a restricted key making an unrestricted one, clearing its own limits,
 * revoking the account's other keys, starting top-ups — each get refused with nothing
 * changed, while a full-access key still does everything.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, type FakeTelegram } from '@kikuai/testkit';
import { loadSpec, listOperations } from '../../src/app.js';
import { API_KEY_OPERATIONS } from '../../src/auth/permissions.js';
import { PERMISSIONS, type Permission } from '../../src/store/types.js';
import { REDIS_URL, STORE_KINDS } from '@kikuai/testkit/stores';
import { caller, type CallResult } from '../support/http.js';
import { startProxyServer, startUpstream, json, type ProxyTestServer, type Upstream } from '../proxy/support.js';

const ALL = [...PERMISSIONS];
const spec = loadSpec().document;
const apiKeyOperations = listOperations(spec).filter(({ operation }) => (operation.security ?? []).some((requirement) => 'apiKey' in requirement));

function expectProblem(result: CallResult, status: number, code: string) {
  expect(result.status, result.text).toBe(status);
  expect(result.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(result.body).toMatchObject({ status, code });
}

describe('the permission table', () => {
  it("names a permission for every operation that accepts an API key, as the spec's x-permission does", () => {
    expect(apiKeyOperations.length).toBeGreaterThan(10);
    for (const { operation } of apiKeyOperations) {
      const rule = API_KEY_OPERATIONS[operation.operationId];
      expect(rule, operation.operationId).toBeDefined();
      expect((operation as { 'x-permission'?: string })['x-permission'], operation.operationId).toBe(rule!.permission ?? 'none');
    }
    expect(Object.keys(API_KEY_OPERATIONS).sort()).toEqual(apiKeyOperations.map(({ operation }) => operation.operationId).sort());
  });
});

describe.each(STORE_KINDS)('key permissions (%s store)', (storeKind) => {
  let server: ProxyTestServer;
  let upstream: Upstream;
  let telegram: FakeTelegram;
  let call: ReturnType<typeof caller>;

  beforeAll(async () => {
    upstream = await startUpstream((_request, response) => json(response, 200, { ok: true }));
    telegram = await startFakeTelegram();
    server = await startProxyServer({
      store: storeKind,
      upstreamUrl: upstream.url,
      env: { TELEGRAM_API_ROOT: telegram.apiRoot, KIKUAI_PADDLE_IN_TELEGRAM: 'false' },
    });
    call = caller(server);
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await telegram?.close();
  });

  /** A funded account with its first (full-access) key, and a key made from it with `body`. */
  async function accountWith(body: Record<string, unknown>) {
    const owner = await server.fundedAccount(10_000_000);
    const created = await call('POST', '/api/v1/api_keys', { auth: { apiKey: owner.apiKey }, body: { name: 'restricted', ...body } });
    expect(created.status, created.text).toBe(201);
    return { ...owner, restricted: { apiKey: created.body.secret as string, id: created.body.id as string } };
  }

  /** Everything an API-key request could change, but the last-use times. */
  async function state(accountId: string) {
    const keys = (await server.store.listKeys(accountId)).map(({ last_used_at: _lastUsed, ...key }) => key);
    const ledger = await server.store.listLedger(accountId, { limit: 100 });
    const account = await server.store.getAccount(accountId);
    return { keys, ledger: ledger.items, account, upstreamCalls: upstream.calls.length, invoices: telegram.callsOf('createInvoiceLink').length };
  }

  it("shows every key's permissions: all four on keys the bot makes, and on keys stored before permissions existed", async () => {
    const owner = await server.fundedAccount(0);
    const own = await call('GET', `/api/v1/api_keys/${owner.keyId}`, { auth: { apiKey: owner.apiKey } });
    expect(own.body.permissions).toEqual(ALL);
    const made = await call('POST', '/api/v1/api_keys', {
      auth: { service: server.serviceToken, telegramUserId: (await server.store.getAccount(owner.accountId))!.telegram_id },
      body: { name: 'read-only', permissions: ['billing:read'] },
    });
    expect(made.status).toBe(201);
    expect(made.body.permissions).toEqual(['billing:read']);
  });

  /** Stores the key as a kikuai from before permissions did: without the field. */
  async function forgetPermissions(accountId: string, keyId: string) {
    if (storeKind === 'sqlite') {
      const db = new Database(path.join(server.config.dataDir, 'kikuai.db'));
      db.prepare('UPDATE api_keys SET permissions = NULL WHERE id = ?').run(keyId);
      db.close();
    } else {
      const redis = new Redis(REDIS_URL);
      await redis.hdel(`${server.config.redisKeyPrefix}{${accountId}}:key:${keyId}`, 'permissions');
      await redis.quit();
    }
  }

  it('reads a key stored without permissions (made before they existed) as holding all of them: it calls, reads and manages', async () => {
    const { accountId, restricted } = await accountWith({ permissions: ['billing:read'] });
    await forgetPermissions(accountId, restricted.id);
    // First use: the store reads the whole key (no snapshot yet), in the reserve script on Redis.
    expect((await server.proxy('/api/v1/proxy/llm', restricted.apiKey)).status).toBe(200);
    const read = await call('GET', `/api/v1/api_keys/${restricted.id}`, { auth: { apiKey: restricted.apiKey } });
    expect(read.body.permissions).toEqual(ALL);
    expect((await call('GET', '/api/v1/api_keys', { auth: { apiKey: restricted.apiKey } })).status).toBe(200);
  });

  it('refuses a restricted key making an unrestricted key: left-out fields take its own bounds, wider ones are 403', async () => {
    const { accountId, restricted } = await accountWith({ allowed_products: ['reliapi'], spend_limit_micros: 1000, spend_limit_period: 'monthly' });
    const before = await state(accountId);
    for (const body of [
      { allowed_products: ['reliapi', 'routellm'] },
      { spend_limit_micros: 1_000_000, spend_limit_period: 'monthly' },
      // A daily limit of the same amount could spend 31 times as much in a month.
      { spend_limit_micros: 1000, spend_limit_period: 'daily' },
      { expires_at: '2099-01-01T00:00:00.000Z', permissions: ['products:call'], spend_limit_micros: 1000, spend_limit_period: 'weekly' },
    ]) {
      const refused = await call('POST', '/api/v1/api_keys', { auth: { apiKey: restricted.apiKey }, body });
      expectProblem(refused, 403, 'key_bounds_exceeded');
    }
    expect(await state(accountId)).toEqual({ ...before, upstreamCalls: upstream.calls.length });

    const inherited = await call('POST', '/api/v1/api_keys', { auth: { apiKey: restricted.apiKey }, body: { name: 'child' } });
    expect(inherited.status).toBe(201);
    expect(inherited.body).toMatchObject({ allowed_products: ['reliapi'], permissions: ALL, spend_limit: { limit_micros: 1000, period: 'monthly' } });
    const narrower = await call('POST', '/api/v1/api_keys', {
      auth: { apiKey: restricted.apiKey },
      body: { permissions: ['products:call'], spend_limit_micros: 500, spend_limit_period: 'monthly' },
    });
    expect(narrower.status).toBe(201);
    expect(narrower.body).toMatchObject({
      allowed_products: ['reliapi'],
      permissions: ['products:call'],
      spend_limit: { limit_micros: 500, period: 'monthly' },
    });
    // Under a daily limit, a longer period of no more than the same amount never spends more in a day.
    const daily = await accountWith({ spend_limit_micros: 1000, spend_limit_period: 'daily' });
    const weekly = await call('POST', '/api/v1/api_keys', {
      auth: { apiKey: daily.restricted.apiKey },
      body: { spend_limit_micros: 1000, spend_limit_period: 'weekly' },
    });
    expect(weekly.status).toBe(201);
  });

  it('refuses a key without keys:manage creating any key, naming the permission', async () => {
    const { accountId, restricted } = await accountWith({ permissions: ['products:call'] });
    const before = await state(accountId);
    const refused = await call('POST', '/api/v1/api_keys', { auth: { apiKey: restricted.apiKey }, body: { name: 'x', permissions: ['products:call'] } });
    expectProblem(refused, 403, 'permission_denied');
    expect(refused.body.permission).toBe('keys:manage');
    expect(await state(accountId)).toEqual(before);
  });

  it('refuses a key PATCHing its own limits to null, and lets it narrow itself', async () => {
    const { accountId, restricted } = await accountWith({
      allowed_products: ['reliapi'],
      spend_limit_micros: 1000,
      spend_limit_period: 'weekly',
      expires_at: '2099-01-01T00:00:00.000Z',
    });
    const before = await state(accountId);
    for (const body of [
      { spend_limit_micros: null },
      { allowed_products: null },
      { expires_at: null },
      { spend_limit_micros: 2000 },
      { spend_limit_period: 'daily' },
      { spend_limit_period: 'monthly' },
      { expires_at: '2099-06-01T00:00:00.000Z' },
    ]) {
      const refused = await call('PATCH', `/api/v1/api_keys/${restricted.id}`, { auth: { apiKey: restricted.apiKey }, body });
      expectProblem(refused, 403, 'key_bounds_exceeded');
    }
    expect(await state(accountId)).toEqual(before);

    const narrowed = await call('PATCH', `/api/v1/api_keys/${restricted.id}`, {
      auth: { apiKey: restricted.apiKey },
      body: { spend_limit_micros: 500, permissions: ['products:call', 'billing:read'] },
    });
    expect(narrowed.status).toBe(200);
    expect(narrowed.body).toMatchObject({ permissions: ['products:call', 'billing:read'], spend_limit: { limit_micros: 500 } });
    // Without keys:manage now, it still reads itself; it cannot widen back.
    expect((await call('GET', `/api/v1/api_keys/${restricted.id}`, { auth: { apiKey: restricted.apiKey } })).status).toBe(200);
    const back = await call('PATCH', `/api/v1/api_keys/${restricted.id}`, { auth: { apiKey: restricted.apiKey }, body: { permissions: ALL } });
    expectProblem(back, 403, 'key_bounds_exceeded');
  });

  it("refuses a restricted key revoking, rotating or changing the account's stronger keys, and one without keys:manage touching any other", async () => {
    const {
      accountId,
      apiKey: fullKey,
      keyId: fullKeyId,
      restricted,
    } = await accountWith({ allowed_products: ['reliapi'], spend_limit_micros: 1000, spend_limit_period: 'daily' });
    const caller403 = await accountWithSecondKey(accountId, fullKey);
    const before = await state(accountId);
    for (const [method, path, body] of [
      ['DELETE', `/api/v1/api_keys/${fullKeyId}`, undefined],
      ['POST', `/api/v1/api_keys/${fullKeyId}/rotate`, {}],
      ['PATCH', `/api/v1/api_keys/${fullKeyId}`, { name: 'mine now' }],
      ['PATCH', `/api/v1/api_keys/${fullKeyId}`, { allowed_products: ['reliapi'], spend_limit_micros: 1000, spend_limit_period: 'daily' }],
    ] as const) {
      expectProblem(await call(method, path, { auth: { apiKey: restricted.apiKey }, body }), 403, 'key_bounds_exceeded');
      const noManage = await call(method, path, { auth: { apiKey: caller403.apiKey }, body });
      expectProblem(noManage, 403, 'permission_denied');
      expect(noManage.body.permission).toBe('keys:manage');
    }
    expectProblem(await call('GET', '/api/v1/api_keys', { auth: { apiKey: caller403.apiKey } }), 403, 'permission_denied');
    expect(await state(accountId)).toEqual(before);
    // The full key still works.
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey: fullKey } })).status).toBe(200);

    // Keys within its bounds it may manage, and widen up to its own bounds but no further.
    const child = await call('POST', '/api/v1/api_keys', {
      auth: { apiKey: restricted.apiKey },
      body: { spend_limit_micros: 100, spend_limit_period: 'daily' },
    });
    const raised = await call('PATCH', `/api/v1/api_keys/${child.body.id}`, { auth: { apiKey: restricted.apiKey }, body: { spend_limit_micros: 1000 } });
    expect(raised.body.spend_limit.limit_micros).toBe(1000);
    expectProblem(
      await call('PATCH', `/api/v1/api_keys/${child.body.id}`, { auth: { apiKey: restricted.apiKey }, body: { spend_limit_micros: 1001 } }),
      403,
      'key_bounds_exceeded',
    );
    expect((await call('POST', `/api/v1/api_keys/${child.body.id}/rotate`, { auth: { apiKey: restricted.apiKey }, body: {} })).status).toBe(200);
    expect((await call('DELETE', `/api/v1/api_keys/${child.body.id}`, { auth: { apiKey: restricted.apiKey } })).status).toBe(200);
  });

  async function accountWithSecondKey(accountId: string, fullKey: string) {
    const made = await call('POST', '/api/v1/api_keys', {
      auth: { apiKey: fullKey },
      body: { name: 'caller', permissions: ['products:call', 'billing:read', 'billing:write'] },
    });
    expect(made.status).toBe(201);
    return { accountId, apiKey: made.body.secret as string, id: made.body.id as string };
  }

  it('lets a key without keys:manage rotate and revoke itself', async () => {
    const { restricted } = await accountWith({ permissions: ['products:call'] });
    const rotated = await call('POST', `/api/v1/api_keys/${restricted.id}/rotate`, { auth: { apiKey: restricted.apiKey }, body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.permissions).toEqual(['products:call']);
    expect((await call('DELETE', `/api/v1/api_keys/${restricted.id}`, { auth: { apiKey: rotated.body.secret } })).status).toBe(200);
  });

  it('refuses top-ups to a key without billing:write, and calls to a key without products:call, charging nothing', async () => {
    const { accountId, restricted } = await accountWith({ permissions: ['billing:read', 'keys:manage'] });
    const before = await state(accountId);
    const topup = await call('POST', '/api/v1/payment/topup', { auth: { apiKey: restricted.apiKey }, body: { method: 'stars', amount_micros: 5_000_000 } });
    expectProblem(topup, 403, 'permission_denied');
    expect(topup.body.permission).toBe('billing:write');
    const proxied = await server.proxy('/api/v1/proxy/llm', restricted.apiKey);
    expect(proxied.status).toBe(403);
    expect(await proxied.json()).toMatchObject({ code: 'permission_denied', permission: 'products:call' });
    expect(await state(accountId)).toEqual(before);
  });

  it('sees a permission taken away at once, through the cached snapshot of the key', async () => {
    const { apiKey, keyId } = await accountWith({});
    const telegramUserId = (await call('GET', '/api/v1/auth/me', { auth: { apiKey } })).body.account.telegram_id;
    expect((await server.proxy('/api/v1/proxy/llm', apiKey)).status).toBe(200);
    await call('PATCH', `/api/v1/api_keys/${keyId}`, { auth: { service: server.serviceToken, telegramUserId }, body: { permissions: ['billing:read'] } });
    const refused = await server.proxy('/api/v1/proxy/llm', apiKey);
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'permission_denied', permission: 'products:call' });
  });

  it('lets a full-access key do everything: create any key, widen others, top up, call, read, revoke', async () => {
    const { accountId, apiKey, restricted } = await accountWith({
      allowed_products: ['reliapi'],
      spend_limit_micros: 1000,
      spend_limit_period: 'daily',
      permissions: ['products:call'],
    });
    const wide = await call('PATCH', `/api/v1/api_keys/${restricted.id}`, {
      auth: { apiKey },
      body: { allowed_products: null, spend_limit_micros: null, permissions: ALL },
    });
    expect(wide.status).toBe(200);
    expect(wide.body).toMatchObject({ allowed_products: null, spend_limit: null, permissions: ALL });
    const topup = await call('POST', '/api/v1/payment/topup', { auth: { apiKey }, body: { method: 'stars', amount_micros: 5_000_000 } });
    expect(topup.status, topup.text).toBe(201);
    expect((await call('GET', `/api/v1/payment/topup/${topup.body.id}`, { auth: { apiKey } })).status).toBe(200);
    expect((await server.proxy('/api/v1/proxy/llm', apiKey)).status).toBe(200);
    for (const path of ['/api/v1/balance', '/api/v1/usage', '/api/v1/history', '/api/v1/payment/options', '/api/v1/api_keys', '/api/v1/auth/me']) {
      expect((await call('GET', path, { auth: { apiKey } })).status, path).toBe(200);
    }
    expect((await call('PATCH', '/api/v1/auth/me', { auth: { apiKey }, body: { language_code: 'en' } })).status).toBe(200);
    expect((await call('POST', `/api/v1/api_keys/${restricted.id}/rotate`, { auth: { apiKey }, body: {} })).status).toBe(200);
    expect((await call('DELETE', `/api/v1/api_keys/${restricted.id}`, { auth: { apiKey } })).status).toBe(200);
    expect(await server.store.sumLedger(accountId)).toBe((await server.store.getAccount(accountId))!.balance_micros);
  });

  describe('every operation that accepts an API key', () => {
    /** A valid request to each operation (the spec's first example, or a minimal body). */
    function requestFor(operationId: string, method: string, specPath: string, otherKeyId: string) {
      const path = specPath
        .replace('{key_id}', otherKeyId)
        .replace('{topup_id}', 'top_01JD6Z4T0Q8X9W2V3B4N5M6K7J')
        .replace('{product_id}', 'reliapi')
        .replace('{endpoint_id}', 'llm');
      const operation = spec.paths[specPath]![method.toLowerCase()] as {
        requestBody?: { content: Record<string, { examples?: Record<string, { value: unknown }> }> };
      };
      const examples = operation.requestBody?.content['application/json']?.examples;
      const body = examples ? Object.values(examples)[0]!.value : operation.requestBody ? { model: 'test' } : undefined;
      if (operationId === 'updateApiKey') return { path, body: { name: 'renamed' } };
      return { path, body };
    }

    it("refuses a key that lacks the operation's permission with 403 permission_denied naming it, and changes nothing", async () => {
      let checked = 0;
      for (const { method, path: specPath, operation } of apiKeyOperations) {
        const permission = API_KEY_OPERATIONS[operation.operationId]!.permission;
        if (permission === null) continue;
        const owner = await server.fundedAccount(10_000_000);
        const lacking = await call('POST', '/api/v1/api_keys', {
          auth: { apiKey: owner.apiKey },
          body: { name: 'lacking', permissions: ALL.filter((held: Permission) => held !== permission) },
        });
        const { path, body } = requestFor(operation.operationId, method, specPath, owner.keyId);
        const before = await state(owner.accountId);
        const result = await call(method, path, { auth: { apiKey: lacking.body.secret }, body });
        expectProblem(result, 403, 'permission_denied');
        expect(result.body.permission, operation.operationId).toBe(permission);
        expect(await state(owner.accountId), operation.operationId).toEqual(before);
        checked++;
      }
      expect(checked).toBe(apiKeyOperations.length - 1); // all but getMe
    });
  });
});
