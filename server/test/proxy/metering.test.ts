/**
 * The metered proxy against a real local upstream, on both stores: what is forwarded,
 * what is charged, what is refunded, and what the customer is told.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connect, createServer } from 'node:net';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { json, PRICE_MICROS, startProxyServer, startUpstream, UPSTREAM_SECRET, type ProxyTestServer, type Upstream } from './support.js';

type Behaviour = 'ok' | 'client_error' | 'server_error' | 'hang' | 'broken';

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = (await response.json()) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, request_id: response.headers.get('x-request-id') });
  return body;
}

/** A port where nothing listens: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe.each(STORE_KINDS)('metered proxy (%s store)', (storeKind) => {
  let upstream: Upstream;
  let server: ProxyTestServer;
  let behaviour: Behaviour = 'ok';

  beforeAll(async () => {
    upstream = await startUpstream((_request, response, call) => {
      if (behaviour === 'ok')
        return json(response, 200, { answer: 42, echo: JSON.parse(call.body || 'null') }, { 'x-upstream': 'reliapi', 'set-cookie': 'session=upstream' });
      if (behaviour === 'client_error') return json(response, 422, { error: 'bad model' });
      if (behaviour === 'server_error') return json(response, 500, { error: 'boom' });
      if (behaviour === 'broken') {
        // Promises 1,000 bytes, sends 11, and hangs up.
        response.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        response.write('{"answer":4');
        setTimeout(() => response.socket?.destroy(), 20);
        return;
      }
      // 'hang': never answer (the proxy's timeout is 2 s in the test products file)
    });
    server = await startProxyServer({ store: storeKind, upstreamUrl: upstream.url });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    behaviour = 'ok';
  });

  it('forwards a call, charges it once, says so in the headers, and records its usage', async () => {
    const { accountId, apiKey, keyId } = await server.fundedAccount(10_000);
    const before = upstream.calls.length;

    const response = await server.proxy(
      '/api/v1/proxy/llm',
      apiKey,
      { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] },
      {
        headers: { 'x-forwarded-host': 'evil.example', cookie: 'a=b', 'user-agent': 'kikuai-test/1' },
      },
    );

    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ answer: 42, echo: { model: 'gpt', messages: [{ role: 'user', content: 'hi' }] } });
    expect(response.headers.get('x-kikuai-cost-micros')).toBe(String(PRICE_MICROS));
    expect(response.headers.get('x-kikuai-balance-micros')).toBe(String(10_000 - PRICE_MICROS));
    expect(response.headers.get('x-upstream')).toBeNull(); // not on the allowlist, nor in the product's response_headers
    expect(response.headers.get('set-cookie')).toBeNull();
    const requestId = response.headers.get('x-request-id');
    expect(requestId).toBeTruthy();

    expect(upstream.calls.length).toBe(before + 1);
    const call = upstream.calls.at(-1)!;
    expect(call.method).toBe('POST');
    expect(call.url).toBe('/proxy/llm');
    expect(call.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    expect(JSON.stringify(call.headers)).not.toContain(apiKey);
    expect(call.headers['x-request-id']).toBe(requestId);
    expect(call.headers['user-agent']).toBe('kikuai-test/1');
    expect(call.headers['x-forwarded-host']).toBeUndefined();
    expect(call.headers.cookie).toBeUndefined();
    expect(call.headers.host).toBe(new URL(upstream.url).host);

    const history = await server.store.listLedger(accountId, { limit: 10 });
    const debits = history.items.filter((entry) => entry.kind === 'debit');
    expect(debits.map((entry) => entry.amount_micros)).toEqual([-PRICE_MICROS]);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000 - PRICE_MICROS);

    const events = await server.usageEvents(accountId, 1);
    expect(events).toEqual([
      expect.objectContaining({
        account_id: accountId,
        key_id: keyId,
        product_id: 'reliapi',
        endpoint: 'llm',
        cost_micros: PRICE_MICROS,
        upstream_status: 200,
      }),
    ]);
  });

  it('serves the general form for any configured endpoint', async () => {
    const { apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/reliapi/http', apiKey, { target: 'example', method: 'GET', path: '/status' });
    expect(response.status).toBe(200);
    expect(upstream.calls.at(-1)!.url).toBe('/proxy/http');
    const missing = await server.proxy('/api/v1/proxy/reliapi/nope', apiKey);
    await expectProblem(missing, 404, 'not_found');
    const unknownProduct = await server.proxy('/api/v1/proxy/nothing/llm', apiKey);
    await expectProblem(unknownProduct, 404, 'not_found');
  });

  it('keeps the charge when the upstream refuses the request (4xx) and passes its answer through', async () => {
    behaviour = 'client_error';
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/http', apiKey);
    expect(response.status).toBe(422);
    expect(await response.json()).toEqual({ error: 'bad model' });
    expect(response.headers.get('x-kikuai-cost-micros')).toBe(String(PRICE_MICROS));
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000 - PRICE_MICROS);
  });

  it('refunds an upstream 500 with a 502, and the ledger shows both entries', async () => {
    behaviour = 'server_error';
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/llm', apiKey);
    const problem = await expectProblem(response, 502, 'upstream_error');
    expect(problem.detail).toContain('refunded');
    expect(response.headers.get('x-kikuai-cost-micros')).toBe('0');
    expect(response.headers.get('x-kikuai-balance-micros')).toBe('10000');

    const history = await server.store.listLedger(accountId, { limit: 10 });
    const callEntries = history.items.filter((entry) => entry.kind !== 'credit');
    expect(callEntries.map((entry) => [entry.kind, entry.amount_micros])).toEqual([
      ['refund', PRICE_MICROS],
      ['debit', -PRICE_MICROS],
    ]);
    expect(callEntries[0]!.external_ref).toBe(callEntries[1]!.external_ref!.replace(/^call:/, 'refund:'));
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
    expect(await server.store.sumLedger(accountId)).toBe(10_000);
    const events = await server.usageEvents(accountId, 1);
    expect(events[0]).toMatchObject({ cost_micros: 0, upstream_status: 500 });
  });

  it('refunds an answer the upstream breaks off before it is complete, with a 502', async () => {
    behaviour = 'broken';
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/http', apiKey);
    const problem = await expectProblem(response, 502, 'upstream_error');
    expect(problem.detail).toContain('refunded');
    expect(response.headers.get('x-kikuai-cost-micros')).toBe('0');
    const history = await server.store.listLedger(accountId, { limit: 10 });
    expect(history.items.filter((entry) => entry.kind !== 'credit').map((entry) => entry.kind)).toEqual(['refund', 'debit']);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
  });

  it('charges nothing and calls no upstream when the client goes away while sending its body', async () => {
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const before = upstream.calls.length;
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `POST /api/v1/proxy/http HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{"model":"gpt",`,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(upstream.calls.length).toBe(before);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
    expect((await server.store.listLedger(accountId, { limit: 10 })).items.map((entry) => entry.kind)).toEqual(['credit']);
  });

  it('refunds a call the upstream does not answer in time, with a 504', async () => {
    behaviour = 'hang';
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/llm', apiKey);
    await expectProblem(response, 504, 'upstream_timeout');
    expect(response.headers.get('x-kikuai-balance-micros')).toBe('10000');
    const kinds = (await server.store.listLedger(accountId, { limit: 10 })).items.map((entry) => entry.kind);
    expect(kinds).toEqual(['refund', 'debit', 'credit']);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
  });

  it('refuses a call the balance does not cover with 402, and never calls the upstream', async () => {
    const { accountId, apiKey } = await server.fundedAccount(PRICE_MICROS - 1);
    const before = upstream.calls.length;
    const response = await server.proxy('/api/v1/proxy/llm', apiKey);
    const problem = await expectProblem(response, 402, 'insufficient_balance');
    expect(problem).toMatchObject({ balance_micros: PRICE_MICROS - 1, price_micros: PRICE_MICROS });
    expect(upstream.calls.length).toBe(before);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(PRICE_MICROS - 1);
  });

  it("refuses a suspended account's key with 403, charging nothing", async () => {
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    await server.store.setAccountStatus(accountId, 'suspended', 'test');
    const before = upstream.calls.length;
    await expectProblem(await server.proxy('/api/v1/proxy/llm', apiKey), 403, 'account_suspended');
    expect(upstream.calls.length).toBe(before);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
  });

  it('answers 503 for a product that is not live yet, charging nothing', async () => {
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/routellm/route', apiKey);
    const problem = await expectProblem(response, 503, 'product_unavailable');
    expect(problem.detail).toContain('Nothing was charged');
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
    expect((await server.store.listLedger(accountId, { limit: 10 })).items.map((entry) => entry.kind)).toEqual(['credit']);
  });

  it("refuses a product outside the key's scope (403) and a reached spend limit (402)", async () => {
    const { accountId, apiKey, keyId } = await server.fundedAccount(10_000);
    await server.store.updateKey(accountId, keyId, { allowed_products: ['routellm'] });
    await expectProblem(await server.proxy('/api/v1/proxy/llm', apiKey), 403, 'product_not_allowed');

    await server.store.updateKey(accountId, keyId, { allowed_products: null, spend_limit_micros: PRICE_MICROS, spend_limit_period: 'daily' });
    expect((await server.proxy('/api/v1/proxy/llm', apiKey)).status).toBe(200);
    const problem = await expectProblem(await server.proxy('/api/v1/proxy/llm', apiKey), 402, 'spend_limit_reached');
    expect(problem).toMatchObject({ limit_micros: PRICE_MICROS, spent_micros: PRICE_MICROS, period: 'daily' });
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000 - PRICE_MICROS);
  });

  it('refuses missing, malformed and revoked keys with 401 before anything else', async () => {
    const before = upstream.calls.length;
    await expectProblem(await server.proxy('/api/v1/proxy/llm', null), 401, 'unauthenticated');
    await expectProblem(await server.proxy('/api/v1/proxy/llm', 'kik_not-a-key'), 401, 'invalid_api_key');
    const { accountId, apiKey, keyId } = await server.fundedAccount(10_000);
    await server.store.revokeKey(accountId, keyId, new Date().toISOString());
    await expectProblem(await server.proxy('/api/v1/proxy/llm', apiKey), 401, 'key_revoked');
    expect(upstream.calls.length).toBe(before);
  });

  it('tells the payments notifier once when a call takes the balance below the low-balance threshold', async () => {
    const threshold = server.config.defaultLowBalanceMicros;
    const { accountId, apiKey } = await server.fundedAccount(threshold + PRICE_MICROS);
    const crossings: string[] = [];
    const listener = (event: { accountId: string; crossing: string }) => {
      if (event.accountId === accountId) crossings.push(event.crossing);
    };
    server.app.kikuai.events.on('balance_crossed', listener);
    try {
      expect((await server.proxy('/api/v1/proxy/http', apiKey)).status).toBe(200); // exactly at the threshold
      expect((await server.proxy('/api/v1/proxy/http', apiKey)).status).toBe(200); // below it
      expect((await server.proxy('/api/v1/proxy/http', apiKey)).status).toBe(200); // still below: no second event
      expect(crossings).toEqual(['low']);
    } finally {
      server.app.kikuai.events.off('balance_crossed', listener);
    }
  });

  it('lists the products with their prices, never their upstream or credential', async () => {
    const list = await fetch(`${server.url}/api/v1/products`);
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(upstream.url);
    expect(text).not.toContain(UPSTREAM_SECRET);
    const body = JSON.parse(text) as { data: Array<{ id: string; status: string }> };
    expect(body.data.map((product) => [product.id, product.status])).toEqual([
      ['reliapi', 'live'],
      ['routellm', 'soon'],
    ]);
    const one = await fetch(`${server.url}/api/v1/products/reliapi`);
    expect(await one.json()).toMatchObject({
      id: 'reliapi',
      endpoints: [
        { id: 'llm', method: 'POST', path: '/proxy/llm', price_micros: PRICE_MICROS, price_usd: '0.001000', streaming: true },
        { id: 'http', method: 'POST', path: '/proxy/http', price_micros: PRICE_MICROS, price_usd: '0.001000', streaming: false },
      ],
      rate_limit: { requests: 100000, window_seconds: 60 },
    });
    await expectProblem(await fetch(`${server.url}/api/v1/products/nothing`), 404, 'not_found');
  });
});

describe.each(STORE_KINDS)('an upstream that refuses connections (%s store)', (storeKind) => {
  it('refunds the call with a 502', async () => {
    const server = await startProxyServer({ store: storeKind, upstreamUrl: `http://127.0.0.1:${await closedPort()}` });
    try {
      const { accountId, apiKey } = await server.fundedAccount(10_000);
      const response = await server.proxy('/api/v1/proxy/llm', apiKey);
      await expectProblem(response, 502, 'upstream_unreachable');
      expect(response.headers.get('x-kikuai-cost-micros')).toBe('0');
      const history = (await server.store.listLedger(accountId, { limit: 10 })).items;
      expect(history.map((entry) => [entry.kind, entry.amount_micros])).toEqual([
        ['refund', PRICE_MICROS],
        ['debit', -PRICE_MICROS],
        ['credit', 10_000],
      ]);
      expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
    } finally {
      await server.close();
    }
  });
});
