/**
 * The proxy answers with its own headers: only an allowlist of the upstream's response
 * headers (plus the product's own, from the products file) reaches the customer, never a
 * Location into the upstream's network, a cookie or an echoed credential. A redirect is
 * not followed: it answers 502 `upstream_error` and the call is refunded.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { PRICE_MICROS, UPSTREAM_SECRET, startProxyServer, startUpstream, type ProxyTestServer, type Upstream } from './support.js';

const LEAKS = {
  authorization: `Bearer ${UPSTREAM_SECRET}`,
  'set-cookie': 'session=upstream-session; Path=/',
  'x-internal-host': 'reliapi-7.internal:8080',
  'content-location': 'http://10.0.0.7:8080/internal/result',
  'www-authenticate': 'Bearer realm="internal"',
  'x-request-id': 'upstream-request-id',
  'ratelimit-remaining': '0',
};

describe.each(STORE_KINDS)('proxy response headers (%s store)', (storeKind) => {
  let upstream: Upstream;
  let server: ProxyTestServer;
  let answer: (response: ServerResponse) => void;

  beforeAll(async () => {
    upstream = await startUpstream((_request, response) => answer(response));
    server = await startProxyServer({ store: storeKind, upstreamUrl: upstream.url, products: { responseHeaders: ['X-Reliapi-Cache'] } });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });
  beforeEach(() => {
    answer = (response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });

  it("passes the allowlisted and the product's own headers, and none of what the upstream leaks", async () => {
    answer = (response) =>
      response
        .writeHead(200, {
          ...LEAKS,
          'content-type': 'application/json',
          'cache-control': 'no-store',
          etag: '"v1"',
          'retry-after': '5',
          'x-ratelimit-remaining-requests': '99',
          'x-reliapi-cache': 'miss',
          location: 'http://10.0.0.7:8080/internal',
        })
        .end('{"ok":true}');
    const { apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/llm', apiKey);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    for (const [name, value] of Object.entries({
      'cache-control': 'no-store',
      etag: '"v1"',
      'retry-after': '5',
      'x-ratelimit-remaining-requests': '99',
      'x-reliapi-cache': 'miss',
    })) {
      expect(response.headers.get(name)).toBe(value);
    }
    for (const name of [...Object.keys(LEAKS), 'location']) {
      const value = response.headers.get(name);
      if (name === 'x-request-id' || name === 'ratelimit-remaining')
        expect(value).not.toBe(LEAKS[name]); // kikuai's own
      else expect(value).toBeNull();
    }
    expect(JSON.stringify([...response.headers])).not.toContain(UPSTREAM_SECRET);
    expect(JSON.stringify([...response.headers])).not.toContain('10.0.0.7');
  });

  it('answers a redirect with 502 upstream_error, without its Location or anything else it says, and refunds the call', async () => {
    answer = (response) => response.writeHead(302, { ...LEAKS, location: 'http://10.0.0.7:8080/internal' }).end();
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const before = upstream.calls.length;
    const response = await server.proxy('/api/v1/proxy/llm', apiKey);
    expect(response.status).toBe(502);
    const body = (await response.json()) as { code: string; detail: string };
    expect(body.code).toBe('upstream_error');
    expect(body.detail).toContain('redirect');
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(response.headers.get('authorization')).toBeNull();
    expect(response.headers.get('x-internal-host')).toBeNull();
    expect(JSON.stringify([...response.headers]) + JSON.stringify(body)).not.toContain('10.0.0.7');
    expect(response.headers.get('x-kikuai-cost-micros')).toBe('0');
    // Not followed: the upstream saw one request.
    expect(upstream.calls.length).toBe(before + 1);
    const kinds = (await server.store.listLedger(accountId, { limit: 10 })).items.map((entry) => [entry.kind, entry.amount_micros]);
    expect(kinds).toEqual([
      ['refund', PRICE_MICROS],
      ['debit', -PRICE_MICROS],
      ['credit', 10_000],
    ]);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000);
    const events = await server.usageEvents(accountId, 1);
    expect(events).toEqual([expect.objectContaining({ cost_micros: 0, upstream_status: 302 })]);
  });
});
