/**
 * A store that is down or unusable answers 503 problem+json `store_unavailable` with
 * Retry-After — never 500 — charges nothing, turns readiness 503, and the server comes back
 * by itself. Redis: a Redis of the test's own, killed and started again. SQLite: another
 * process-like connection holding the write lock past busy_timeout (SQLITE_BUSY).
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, PRICE_MICROS, startProxyServer, startUpstream, type ProxyTestServer, type Upstream } from '../proxy/support.js';
import { startOwnRedis, withOwnRedis, type OwnRedis } from '@kikuai/testkit';
import { caller } from '../support/http.js';

function expectStoreUnavailable(response: { status: number; headers: Headers; body: any }) {
  expect(response.status).toBe(503);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(response.body.code).toBe('store_unavailable');
  expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
}

describe.skipIf(!withOwnRedis())('Redis down (redis store)', () => {
  let redis: OwnRedis;
  let upstream: Upstream;
  let server: ProxyTestServer;

  beforeAll(async () => {
    redis = await startOwnRedis({ persistent: true });
    upstream = await startUpstream((_request, response) => json(response, 200, { ok: true }));
    server = await startProxyServer({ store: 'redis', upstreamUrl: upstream.url, env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await redis?.stop();
  });

  it('answers 503 with Retry-After on every kind of caller, charges nothing, and recovers when Redis is back', async () => {
    const { accountId, apiKey } = await server.fundedAccount(10 * PRICE_MICROS);
    const call = caller(server);
    expect((await call('GET', '/api/v1/balance', { auth: { apiKey } })).status).toBe(200);

    await redis.kill();
    const calledBefore = upstream.calls.length;
    const proxied = await server.proxy('/api/v1/proxy/http', apiKey, { n: 1 });
    expectStoreUnavailable({ status: proxied.status, headers: proxied.headers, body: await proxied.json() });
    expectStoreUnavailable(await call('GET', '/api/v1/balance', { auth: { apiKey } }));
    expectStoreUnavailable(await call('GET', '/api/v1/api_keys', { auth: { service: server.serviceToken, telegramUserId: 1 } }));
    expectStoreUnavailable(
      await call('POST', `/api/v1/admin/accounts/${accountId}/credit`, { auth: { admin: server.adminToken }, body: { amount_micros: 1000, reason: 'outage' } }),
    );
    const readiness = await call('GET', '/readyz');
    expect(readiness.status).toBe(503);
    expect(readiness.body.store.ok).toBe(false);
    expect(Number(readiness.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect(upstream.calls.length).toBe(calledBefore);

    await redis.start();
    let balance = await call('GET', '/api/v1/balance', { auth: { apiKey } });
    for (let attempt = 0; balance.status !== 200 && attempt < 50; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      balance = await call('GET', '/api/v1/balance', { auth: { apiKey } });
    }
    expect(balance.status).toBe(200);
    expect(balance.body.balance_micros).toBe(10 * PRICE_MICROS);
    expect((await call('GET', '/readyz')).status).toBe(200);
    const after = await server.proxy('/api/v1/proxy/http', apiKey, { n: 2 });
    expect(after.status).toBe(200);
    expect(await server.store.sumLedger(accountId)).toBe(9 * PRICE_MICROS);
  });
});

describe('SQLite locked past busy_timeout (sqlite store)', () => {
  let upstream: Upstream;
  let server: ProxyTestServer;

  beforeAll(async () => {
    upstream = await startUpstream((_request, response) => json(response, 200, { ok: true }));
    server = await startProxyServer({ store: 'sqlite', upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('answers a write that cannot get the lock 503 with Retry-After, charges nothing, and serves again once the lock is gone', async () => {
    const { accountId, apiKey } = await server.fundedAccount(10 * PRICE_MICROS);
    const other = new Database(path.join(server.config.dataDir, 'kikuai.db'));
    const calledBefore = upstream.calls.length;
    try {
      other.exec('BEGIN EXCLUSIVE');
      const proxied = await server.proxy('/api/v1/proxy/http', apiKey, { n: 1 });
      expectStoreUnavailable({ status: proxied.status, headers: proxied.headers, body: await proxied.json() });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(upstream.calls.length).toBe(calledBefore);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10 * PRICE_MICROS);
    const after = await server.proxy('/api/v1/proxy/http', apiKey, { n: 2 });
    expect(after.status).toBe(200);
    expect(await server.store.sumLedger(accountId)).toBe(9 * PRICE_MICROS);
  }, 20_000);
});
