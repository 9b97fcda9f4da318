/**
 * The Redis ledger's retention (`KIKUAI_LEDGER_RETENTION_DAYS`): once PostgreSQL has them,
 * entries older than the retention leave Redis; `/history` serves them from PostgreSQL under
 * the same cursors, and a payment reference past the retention still applies once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@kikuai/testkit';
import { skipRedis } from '@kikuai/testkit/stores';
import { createTestDatabase, skipPostgres, type TestDatabase } from '@kikuai/testkit/postgres';
import { caller, TestClock, type CallResult } from '../support/http.js';

type HistoryPage = { data: Array<{ id: string }>; next_cursor: string | null };

async function waitFor(what: string, condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.skipIf(skipPostgres || skipRedis)('the Redis ledger past its retention', () => {
  let database: TestDatabase;
  let server: TestServer;
  const clock = new TestClock();

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({
      store: 'redis',
      now: clock.now,
      env: {
        DATABASE_URL: database.url,
        KIKUAI_OUTBOX_IDLE_MS: '50',
        KIKUAI_LEDGER_RETENTION_DAYS: '30',
        KIKUAI_LEDGER_TRIM_INTERVAL_MS: '100',
        KIKUAI_DEMO_PRODUCT: '1',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('serves history from PostgreSQL past it, page by page, and a reference there still applies once', async () => {
    const call = caller(server);
    const { account, apiKey } = await server.register();
    const admin = { admin: server.adminToken };
    const credit = () =>
      call('POST', `/api/v1/admin/accounts/${account.id}/credit`, {
        auth: admin,
        body: { amount_micros: 1_000_000, reason: 'ticket', external_ref: 'ticket-1' },
      });
    expect((await credit()).status).toBe(200);
    for (let n = 0; n < 5; n++) expect((await call('POST', '/api/v1/proxy/demo/echo', { auth: { apiKey }, body: { n } })).status).toBe(200);

    const history = async () => {
      const items: Array<{ id: string }> = [];
      let cursor: string | null = null;
      do {
        const page: CallResult<HistoryPage> = await call('GET', `/api/v1/history?limit=4${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, {
          auth: { apiKey },
        });
        expect(page.status, page.text).toBe(200);
        items.push(...page.body.data);
        cursor = page.body.next_cursor;
      } while (cursor);
      return items;
    };
    const before = await history();
    expect(before).toHaveLength(6);

    // 31 days on: every entry is past the retention, and PostgreSQL has them all.
    clock.advance(31 * 86_400);
    await waitFor('the Redis ledger trimmed', async () => (await server.store.listLedger(account.id, { limit: 10 })).items.length === 0);
    expect(await history()).toEqual(before);

    // The credit's reference is still known: delivered again, it credits nothing.
    const again = await credit();
    expect(again.status).toBe(200);
    expect(again.body.applied).toBe(false);
    expect((await server.store.getAccount(account.id))!.balance_micros).toBe(1_000_000 - 5 * 100);

    // A new entry is kept in Redis and listed first, the archived ones after it.
    expect((await call('POST', '/api/v1/proxy/demo/echo', { auth: { apiKey }, body: {} })).status).toBe(200);
    const after = await history();
    expect(after.slice(1)).toEqual(before);
    expect(after).toHaveLength(7);
  });
});
