/**
 * The local path without Telegram: the operator creates an account (adminCreateAccount),
 * credits it, and its key calls the built-in demo product, charged through the real
 * metered proxy. On both stores.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@kikuai/testkit';
import { STORE_KINDS } from '@kikuai/testkit/stores';

const servers: TestServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function start(store: 'sqlite' | 'redis', env: Record<string, string> = {}): Promise<TestServer> {
  const server = await startTestServer({ store, env });
  servers.push(server);
  return server;
}

function asOperator(server: TestServer, idempotencyKey?: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'x-kikuai-admin-token': server.adminToken,
    ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
  };
}

async function createAccount(server: TestServer, body: unknown, idempotencyKey?: string) {
  const response = await fetch(`${server.url}/api/v1/admin/accounts`, {
    method: 'POST',
    headers: asOperator(server, idempotencyKey),
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

describe.each(STORE_KINDS)('accounts without Telegram (%s)', (store) => {
  it('the operator creates an account whose first key holds every permission, with a negative telegram_id', async () => {
    const server = await start(store);
    const created = await createAccount(server, { name: 'dev' });
    expect(created.status).toBe(201);
    expect(created.body.account.first_name).toBe('dev');
    expect(created.body.account.telegram_id).toBeLessThan(0);
    // Written with the account: no signup credit (the operator credits), the default threshold.
    expect(created.body.account).toMatchObject({ balance_micros: 0, low_balance_threshold_micros: 1_000_000 });
    expect(created.body.api_key.permissions).toEqual(['products:call', 'billing:read', 'billing:write', 'keys:manage']);

    const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${created.body.api_key.secret}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { account: { id: string } }).account.id).toBe(created.body.account.id);

    const second = await createAccount(server, { name: 'dev' });
    expect(second.body.account.id).not.toBe(created.body.account.id);
  });

  it('a retry with the same Idempotency-Key gets the same account, and the store never holds the secret', async () => {
    const server = await start(store);
    const first = await createAccount(server, { name: 'ci' }, 'create-ci-1');
    const replay = await createAccount(server, { name: 'ci' }, 'create-ci-1');
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    const reused = await createAccount(server, { name: 'other' }, 'create-ci-1');
    expect(reused.status).toBe(409);
    expect(reused.body.code).toBe('idempotency_key_reused');
    if (store === 'sqlite') {
      // Every byte the embedded store wrote (database, WAL), searched for the secret.
      const files = readdirSync(server.config.dataDir).map((name) => readFileSync(path.join(server.config.dataDir, name)));
      expect(files.length).toBeGreaterThan(0);
      for (const bytes of files) expect(bytes.includes(first.body.api_key.secret as string)).toBe(false);
    }
  });

  it('refuses a missing name and a caller without the admin token', async () => {
    const server = await start(store);
    expect((await createAccount(server, {})).status).toBe(400);
    const anonymous = await fetch(`${server.url}/api/v1/admin/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x' }),
    });
    expect(anonymous.status).toBe(401);
  });
});

describe.each(STORE_KINDS)('the demo product (%s)', (store) => {
  it('is not listed unless KIKUAI_DEMO_PRODUCT is set', async () => {
    const server = await start(store);
    const { data } = (await (await fetch(`${server.url}/api/v1/products`)).json()) as { data: Array<{ id: string }> };
    expect(data.map((product) => product.id)).not.toContain('demo');
    const call = await fetch(`${server.url}/api/v1/proxy/demo/echo`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(call.status).toBe(404);
  });

  it('describes itself in Russian to a reader whose first language is Russian, in English to anyone else', async () => {
    const server = await start(store, { KIKUAI_DEMO_PRODUCT: '1' });
    const read = async (language?: string) => {
      const response = await fetch(`${server.url}/api/v1/products/demo`, { headers: language ? { 'accept-language': language } : {} });
      const product = (await response.json()) as { description: string; endpoints: Array<{ description: string }> };
      return { language: response.headers.get('content-language'), description: product.description, endpoint: product.endpoints[0]!.description };
    };
    expect(await read('ru-RU,ru;q=0.9,en;q=0.8')).toMatchObject({
      language: 'ru',
      description: expect.stringContaining('Офлайн-демо'),
      endpoint: expect.stringContaining('Отвечает'),
    });
    expect(await read('en-US,ru;q=0.5')).toMatchObject({ language: 'en', description: expect.stringContaining('Offline demo') });
    expect(await read()).toMatchObject({ language: 'en', endpoint: expect.stringContaining('Answers') });
  });

  it('echoes the body and charges its price through the metered proxy', async () => {
    const server = await start(store, { KIKUAI_DEMO_PRODUCT: '1' });
    const product = (await (await fetch(`${server.url}/api/v1/products/demo`)).json()) as { endpoints: Array<{ id: string; price_micros: number }> };
    const price = product.endpoints.find((endpoint) => endpoint.id === 'echo')!.price_micros;
    expect(price).toBeGreaterThan(0);

    const { body } = await createAccount(server, { name: 'dev' });
    await server.credit(body.account.id, 1_000_000);
    const key = body.api_key.secret as string;
    const call = await fetch(`${server.url}/api/v1/proxy/demo/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ hello: 'kikuai' }),
    });
    expect(call.status).toBe(200);
    expect(await call.json()).toEqual({ echo: { hello: 'kikuai' } });
    expect(call.headers.get('x-kikuai-cost-micros')).toBe(String(price));
    expect(call.headers.get('x-kikuai-balance-micros')).toBe(String(1_000_000 - price));

    const history = await fetch(`${server.url}/api/v1/history`, { headers: { authorization: `Bearer ${key}` } });
    const entries = ((await history.json()) as { data: Array<{ kind: string; amount_micros: number; reason: string }> }).data;
    expect(entries).toContainEqual(expect.objectContaining({ kind: 'debit', amount_micros: -price, reason: 'demo/echo' }));
  });
});
