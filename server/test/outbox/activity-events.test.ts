/**
 * Key events, payment events and operator actions in PostgreSQL (`events`, migration 002),
 * through the real drain, on both stores: each arrives once however often it is written
 * (a batch written twice, as after a crash between PostgreSQL's commit and the store's
 * acknowledgement), none is lost while PostgreSQL does not answer, and no row of any table
 * holds a secret or a key hash. Then the operator's read of them over HTTP.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutboxDrain, writeEvents } from '../../src/outbox/drain.js';
import { createPostgresPool } from '../../src/outbox/postgres.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, PostgresProxy, skipPostgres, type TestDatabase } from '@kikuai/testkit/postgres';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { REDIS_URL, skipRedis } from '@kikuai/testkit/stores';
import { startTestServer, type TestServer } from '@kikuai/testkit';
import { caller } from '../support/http.js';
import { keyPaymentAndOperatorChanges, waitFor } from '../support/outbox.js';

interface OpenedStore {
  store: Store;
  close(): Promise<void>;
}

function sqliteStore(): OpenedStore {
  const directory = mkdtempSync(join(tmpdir(), 'kikuai-events-'));
  const store = new SqliteStore(join(directory, 'kikuai.db'), { outbox: true });
  return {
    store,
    async close() {
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function redisStore(): OpenedStore {
  const client = new Redis(REDIS_URL);
  const keyPrefix = uniqueRedisPrefix();
  const store = new RedisStore(client, { keyPrefix, outbox: true });
  return {
    store,
    async close() {
      await deleteRedisPrefix(client, keyPrefix);
      await client.quit();
    },
  };
}

describe.each([
  { name: 'sqlite', open: sqliteStore, skip: skipPostgres },
  { name: 'redis', open: redisStore, skip: skipPostgres || skipRedis },
])('key, payment and operator events in PostgreSQL ($name store)', ({ open, skip }) => {
  let database: TestDatabase;
  let proxy: PostgresProxy;
  let opened: OpenedStore;
  let pool: pg.Pool;
  let direct: pg.Client;

  beforeAll(async () => {
    if (skip) return;
    database = await createTestDatabase();
    proxy = await PostgresProxy.onFreePort();
    opened = open();
    pool = createPostgresPool(database.urlVia(proxy.port));
    direct = new pg.Client({ connectionString: database.url });
    await direct.connect();
  });
  afterAll(async () => {
    if (skip) return;
    await direct?.end();
    await pool?.end();
    await proxy?.stop();
    await opened?.close();
    await database?.drop();
  });

  it.skipIf(skip)('each event arrives once, after PostgreSQL was unreachable and a batch was written twice; no row holds a secret or a hash', async () => {
    const { store } = opened;
    const drain = new OutboxDrain({ store, pool, logger: pino({ level: 'silent' }) });
    const made = await keyPaymentAndOperatorChanges(store);

    // PostgreSQL does not answer: the drain fails, and every event waits in the store.
    const waiting = (await store.outboxBacklog()).pending;
    expect(waiting).toBeGreaterThan(0);
    await expect(drain.drainOnce()).rejects.toThrow();
    expect((await store.outboxBacklog()).pending).toBe(waiting);

    // Back. A batch committed but never acknowledged (a crash in between) is written again by the next drain.
    await proxy.start();
    await drain.drainOnce(); // migrates
    const more = await keyPaymentAndOperatorChanges(store);
    const batch = await store.readOutbox(1000);
    await writeEvents(pool, batch.events);
    await writeEvents(pool, batch.events);
    await drain.drainOnce();
    expect(await store.outboxBacklog()).toEqual({ pending: 0, oldest_at: null });

    for (const { accountId, first, second, topup, chargeId, incident } of [made, more]) {
      const { rows } = await direct.query<{ category: string; action: string; subject_id: string | null }>(
        'SELECT category, action, subject_id FROM events WHERE account_id = $1 ORDER BY at, event_id',
        [accountId],
      );
      // Once each: the charge reported twice is one event; the refused changes are none.
      expect(rows.map((row) => `${row.category}.${row.action}:${row.subject_id ?? ''}`).sort()).toEqual(
        [
          `key.created:${first.id}`,
          `key.created:${second.id}`,
          `key.updated:${second.id}`,
          `key.rotated:${second.id}`,
          `key.revoked:${second.id}`,
          'operator.account_suspended:',
          'account.account_restored:',
          `payment.topup_created:${topup.id}`,
          `payment.topup_updated:${topup.id}`,
          `payment.topup_completed:${topup.id}`,
          `payment.stars_charge_claimed:${chargeId}`,
        ].sort(),
      );
      const suspension = await direct.query("SELECT data FROM events WHERE account_id = $1 AND action = 'account_suspended'", [accountId]);
      expect(suspension.rows[0].data).toEqual({ status: 'suspended', reason: 'chargeback', actor: 'operator', request_id: 'req-1' });
      const revoked = await direct.query("SELECT data->'key'->>'revoked_at' AS revoked_at FROM events WHERE event_id = $1", [`key_revoked:${second.id}`]);
      expect(revoked.rows).toEqual([{ revoked_at: '2026-03-04T10:00:02.000Z' }]);
      const incidents = await direct.query('SELECT account_id, data FROM events WHERE subject_id = $1', [incident.id]);
      expect(incidents.rows).toEqual([{ account_id: null, data: { kind: incident.kind, topup_id: null, detail: incident.detail } }]);
    }
    // The ledger entries of the same changes: once each too.
    const entries = await direct.query('SELECT account_id, count(*)::int AS n FROM ledger_entries WHERE account_id = ANY($1) GROUP BY 1 ORDER BY 1', [
      [made.accountId, more.accountId].sort(),
    ]);
    expect(entries.rows).toEqual([made.accountId, more.accountId].sort().map((account_id) => ({ account_id, n: 1 })));

    // Nothing PostgreSQL keeps holds a secret, any part of one but its last four, or a hash.
    const everything = await direct.query<{ row: string }>(
      `SELECT row_to_json(e)::text AS row FROM events e
       UNION ALL SELECT row_to_json(l)::text FROM ledger_entries l
       UNION ALL SELECT row_to_json(a)::text FROM accounts a`,
    );
    expect(everything.rows.length).toBeGreaterThan(20);
    const text = everything.rows.map((row) => row.row).join('\n');
    expect(text).not.toContain('kik_');
    for (const key of [made.first, made.second, made.rotated, more.first, more.second, more.rotated]) {
      expect(text).not.toContain(key.hash);
      expect(text).not.toContain(key.secret.slice(4, -4));
    }
  });
});

describe.skipIf(skipPostgres)("the operator reads an account's record from PostgreSQL (adminListAccountEvents)", () => {
  let database: TestDatabase;
  let server: TestServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({ env: { DATABASE_URL: database.url, KIKUAI_OUTBOX_IDLE_MS: '50' } });
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
  });

  it('lists key changes and operator actions newest first, page by page, with the request that made each action', async () => {
    const call = caller(server);
    const admin = { admin: server.adminToken };
    const { account, apiKey, keyId } = await server.register();
    const created = await call('POST', '/api/v1/api_keys', { auth: { apiKey }, body: { name: 'ci' } });
    expect(created.status, created.text).toBe(201);
    const suspended = await call('POST', `/api/v1/admin/accounts/${account.id}/suspend`, { auth: admin, body: { reason: 'chargeback' } });
    expect(suspended.status, suspended.text).toBe(200);
    const restored = await call('POST', `/api/v1/admin/accounts/${account.id}/restore`, { auth: admin });
    expect(restored.status, restored.text).toBe(200);

    const events = `/api/v1/admin/accounts/${account.id}/events`;
    await waitFor('four events in PostgreSQL', async () => (await call('GET', events, { auth: admin })).body.data.length === 4);

    // Two pages of two, newest first.
    const first = await call('GET', `${events}?limit=2`, { auth: admin });
    expect(first.status, first.text).toBe(200);
    const second = await call('GET', `${events}?limit=2&cursor=${first.body.next_cursor}`, { auth: admin });
    expect(second.body.next_cursor).toBeNull();
    const all = [...first.body.data, ...second.body.data];
    expect(all.map((event: { category: string; action: string; subject_id: string | null }) => [event.category, event.action, event.subject_id])).toEqual([
      ['operator', 'account_restored', null],
      ['operator', 'account_suspended', null],
      ['key', 'created', created.body.id],
      ['key', 'created', keyId],
    ]);
    expect(all[1].data).toEqual({ status: 'suspended', reason: 'chargeback', actor: 'operator', request_id: suspended.headers.get('x-request-id') });
    expect(all[0].data.request_id).toBe(restored.headers.get('x-request-id'));
    expect(all[2].data.key).toMatchObject({ id: created.body.id, name: 'ci', last_four: created.body.secret.slice(-4) });
    expect(JSON.stringify(all)).not.toContain('kik_');

    // An account the operator made says so, with the request.
    const made = await call('POST', '/api/v1/admin/accounts', { auth: admin, body: { name: 'dev' }, headers: { 'idempotency-key': 'events-test-1' } });
    expect(made.status, made.text).toBe(201);
    const madeEvents = `/api/v1/admin/accounts/${made.body.account.id}/events?category=operator`;
    await waitFor("the operator's account in PostgreSQL", async () => (await call('GET', madeEvents, { auth: admin })).body.data.length === 1);
    const [creation] = (await call('GET', madeEvents, { auth: admin })).body.data;
    expect([creation.action, creation.data]).toEqual(['account_created', { actor: 'operator', request_id: made.headers.get('x-request-id') }]);

    // One category; then what is not there.
    const operator = await call('GET', `${events}?category=operator`, { auth: admin });
    expect(operator.body.data.map((event: { action: string }) => event.action)).toEqual(['account_restored', 'account_suspended']);
    expect((await call('GET', '/api/v1/admin/accounts/acc_0000000000NOTTHERE/events', { auth: admin })).status).toBe(404);
    const badCursor = await call('GET', `${events}?cursor=bm9wZQ`, { auth: admin });
    expect([badCursor.status, badCursor.body.code]).toEqual([400, 'validation_failed']);
    expect((await call('GET', events, { auth: { apiKey } })).status).toBe(401);
  });
});
