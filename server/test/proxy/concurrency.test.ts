/**
 * Exact money under concurrency: 500 calls at once against a balance that pays for 250.
 * Exactly 250 reach the upstream and are charged; the other 250 hear 402; the balance
 * ends at exactly 0 and equals the sum of the ledger.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { json, PRICE_MICROS, startProxyServer, startUpstream, type ProxyTestServer, type Upstream } from './support.js';

const CALLS = 500;
const PAID = 250;

describe.each(STORE_KINDS)('concurrent calls (%s store)', (storeKind) => {
  let upstream: Upstream;
  let server: ProxyTestServer;

  beforeAll(async () => {
    upstream = await startUpstream((_request, response) => json(response, 200, { ok: true }));
    // Rate limits above the burst, so that only the balance decides.
    server = await startProxyServer({
      store: storeKind,
      upstreamUrl: upstream.url,
      env: { KIKUAI_RATE_LIMIT_PER_KEY: '10000', KIKUAI_RATE_LIMIT_PER_ACCOUNT: '10000' },
    });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it(`forwards and charges exactly ${PAID} of ${CALLS} calls, leaving exactly 0`, async () => {
    const { accountId, apiKey } = await server.fundedAccount(PAID * PRICE_MICROS);
    const before = upstream.calls.length;

    const statuses = await Promise.all(
      Array.from({ length: CALLS }, async () => {
        const response = await server.proxy('/api/v1/proxy/http', apiKey, { n: 1 });
        await response.arrayBuffer();
        return response.status;
      }),
    );

    expect(statuses.filter((status) => status === 200).length).toBe(PAID);
    expect(statuses.filter((status) => status === 402).length).toBe(CALLS - PAID);
    expect(upstream.calls.length - before).toBe(PAID);
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(0);
    expect(await server.store.sumLedger(accountId)).toBe(0);
    const debits = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = await server.store.listLedger(accountId, { limit: 100, cursor });
      debits.push(...page.items.filter((entry) => entry.kind === 'debit'));
      cursor = page.next_cursor;
    }
    expect(debits.length).toBe(PAID);
    expect((await server.usageEvents(accountId, PAID)).length).toBe(PAID);
  });
});
