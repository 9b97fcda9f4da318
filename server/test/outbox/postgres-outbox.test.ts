/**
 * PostgreSQL through the outbox, end to end: the real server (SQLite or Redis store) with
 * DATABASE_URL pointing at a TCP proxy in front of the machine's PostgreSQL. The proxy is
 * down when the server starts and goes down again in the middle of the load of metered
 * calls and Paddle payments; the API answers throughout, and once PostgreSQL is back every
 * ledger entry, key event and payment event arrives there exactly once. History and analytics
 * are then read from it, and the analytics are checked against the store's own ledger.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import type { LedgerEntry, Store } from '../../src/store/types.js';
import { Archive } from '../../src/outbox/archive.js';
import { waitFor } from '../support/outbox.js';
import { startPaymentsWorld, type PaymentsWorld } from '../payments/support.js';
import { createTestDatabase, PostgresProxy, skipPostgres, type TestDatabase } from '@kikuai/testkit/postgres';

async function allEntries(store: Store, accountId: string): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.listLedger(accountId, { limit: 100, cursor });
    entries.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return entries;
}

async function metric(world: PaymentsWorld, name: string): Promise<number> {
  const text = await (await fetch(`${world.server.url}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : Number.NaN;
}

describe.each(STORE_KINDS)('PostgreSQL through the outbox (%s store)', (storeKind) => {
  let database: TestDatabase;
  let proxy: PostgresProxy;
  let world: PaymentsWorld;
  let direct: pg.Client;

  beforeAll(async () => {
    if (skipPostgres) return;
    database = await createTestDatabase();
    proxy = await PostgresProxy.onFreePort();
    world = await startPaymentsWorld({
      store: storeKind,
      env: { DATABASE_URL: database.urlVia(proxy.port), KIKUAI_OUTBOX_IDLE_MS: '50', KIKUAI_DEMO_PRODUCT: '1' },
    });
    direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
  });
  afterAll(async () => {
    if (skipPostgres) return;
    await direct?.end();
    await world?.close();
    await proxy?.stop();
    await database?.drop();
  });

  it.skipIf(skipPostgres)(
    'loses nothing while PostgreSQL is down during calls and payments; history and analytics answer from it',
    async () => {
      const admin = { admin: world.server.adminToken };
      // PostgreSQL is down from the start: the server starts and serves all the same.
      const users = await Promise.all([0, 1, 2].map(() => world.register()));

      /** Per user: a Paddle top-up (its webhook delivered twice) and `calls` metered calls at once. */
      const load = async (calls: number) => {
        await Promise.all(
          users.map(async (user, n) => {
            const { transactionId } = await world.paddleTopup(user.apiKey, 2_000_000 + n * 1_000_000);
            const completed = world.paddle.completeTransaction(transactionId);
            for (const _ of [1, 2]) expect((await world.paddle.deliver(world.webhookUrl, completed)).status).toBe(200);
            const answers = await Promise.all(
              Array.from({ length: calls * (n + 1) }, () =>
                world.call('POST', '/api/v1/proxy/demo/echo', { auth: { apiKey: user.apiKey }, body: { hello: n } }),
              ),
            );
            for (const answer of answers) expect(answer.status, answer.text).toBe(200);
          }),
        );
      };

      await load(5);
      // The drain has tried and failed: the events wait, and the gauge says so.
      await waitFor('the outbox gauge', async () => (await metric(world, 'kikuai_outbox_pending')) > 0);
      expect(await metric(world, 'kikuai_postgres_configured')).toBe(1);
      expect(await metric(world, 'kikuai_postgres_up')).toBe(0);
      const stats = await world.call('GET', '/api/v1/admin/stats', { auth: admin });
      expect(stats.status).toBe(503);
      expect(stats.body.code).toBe('service_unavailable');

      await proxy.start();
      await load(5);
      await proxy.stop(); // down again, in the middle of it all
      await load(5);
      await proxy.start();

      const ledgers = new Map<string, LedgerEntry[]>();
      for (const user of users) ledgers.set(user.accountId, await allEntries(world.server.store, user.accountId));
      const total = [...ledgers.values()].reduce((sum, entries) => sum + entries.length, 0);
      await waitFor('every entry in PostgreSQL', async () => Number((await direct.query('SELECT count(*) AS n FROM ledger_entries')).rows[0].n) >= total);
      await waitFor('the outbox emptied', async () => (await metric(world, 'kikuai_outbox_pending')) === 0);
      expect(await metric(world, 'kikuai_outbox_lag_seconds')).toBe(0);
      expect(await metric(world, 'kikuai_postgres_up')).toBe(1);

      // Exactly once: the same entries, in the same order, on both stores.
      const archived = await direct.query('SELECT id, account_id, seq FROM ledger_entries ORDER BY account_id, seq');
      expect(archived.rowCount).toBe(total);
      const pool = new pg.Pool({ connectionString: database.url, max: 1 });
      const archive = new Archive(pool);
      for (const [accountId, entries] of ledgers) {
        // History from PostgreSQL: the store's ledger, entry for entry (newest first).
        expect((await archive.ledgerBefore(accountId, {}, 1000)).map(({ seq: _seq, ...entry }) => entry)).toEqual(entries);
      }
      await pool.end();

      // Analytics against the ledger.
      const all = [...ledgers.values()].flat();
      const today = new Date().toISOString().slice(0, 10);
      const calls = all.filter((entry) => entry.kind === 'debit' && entry.external_ref?.startsWith('call:'));
      const payments = all.filter((entry) => entry.kind === 'credit' && entry.external_ref?.startsWith('paddle:'));
      const spendOf = (accountId: string) => -calls.filter((entry) => entry.account_id === accountId).reduce((sum, entry) => sum + entry.amount_micros, 0);
      const answer = await world.call('GET', `/api/v1/admin/stats?from=${today}&to=${today}&top=2`, { auth: admin });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.body.users).toEqual({ total: 3, new_per_day: [{ day: today, count: 3 }], active_per_day: [{ day: today, count: 3 }] });
      const revenue = payments.reduce((sum, entry) => sum + entry.amount_micros, 0);
      expect(answer.body.revenue_per_day).toEqual([
        { day: today, provider: 'paddle', payments: payments.length, amount_micros: revenue, amount_usd: (revenue / 1e6).toFixed(6) },
      ]);
      const spend = -calls.reduce((sum, entry) => sum + entry.amount_micros, 0);
      expect(answer.body.products).toEqual([
        { product_id: 'demo', calls: calls.length, refunded_calls: 0, spend_micros: spend, spend_usd: (spend / 1e6).toFixed(6) },
      ]);
      const ranked = users.map((user) => user.accountId).sort((a, b) => spendOf(b) - spendOf(a) || (a < b ? -1 : 1));
      expect(answer.body.top_accounts.map((row: { account_id: string; spend_micros: number }) => [row.account_id, row.spend_micros])).toEqual(
        ranked.slice(0, 2).map((accountId) => [accountId, spendOf(accountId)]),
      );
      expect(payments).toHaveLength(9);
      expect(calls).toHaveLength(3 * 5 * (1 + 2 + 3));

      // The key and payment events of the same load, once each: per user its first key, and
      // per top-up its creation, its checkout (provider reference) and one completion
      // however often the webhook came; none of the metered calls wrote one.
      const events = await direct.query<{ account_id: string; kind: string; n: number }>(
        "SELECT account_id, category || '.' || action AS kind, count(*)::int AS n FROM events GROUP BY 1, 2 ORDER BY 1, 2",
      );
      expect(events.rows).toEqual(
        users
          .map((user) => user.accountId)
          .sort()
          .flatMap((accountId) => [
            { account_id: accountId, kind: 'key.created', n: 1 },
            { account_id: accountId, kind: 'payment.topup_completed', n: 3 },
            { account_id: accountId, kind: 'payment.topup_created', n: 3 },
            { account_id: accountId, kind: 'payment.topup_updated', n: 3 },
          ]),
      );
      await world.expectLedgersBalanced();
    },
    90_000,
  );
});
