/**
 * The outbox contract (`Store.readOutbox` / `ackOutbox` / `outboxBacklog`), on both adapters
 * and on a Redis Cluster of the suite's own (a script whose keys left one slot fails there):
 * what a store opened with `outbox: true` writes in the same atomic change as each ledger
 * entry, registration, key change, payment change and operator action, and what a store
 * without it writes (nothing).
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { OutboxEvent, Store } from '../../src/store/types.js';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { REDIS_URL, redisIsReachable, skipRedis } from '@kikuai/testkit/stores';
import { startOwnRedisCluster, withOwnRedisCluster, type OwnRedisCluster } from '@kikuai/testkit/redis-cluster';
import { T0, newKey, pendingPaddleTopup, reserveRequest, usageEvent } from '../support/store.js';
import { keyPaymentAndOperatorChanges } from '../support/outbox.js';

interface Backend {
  open(outbox: boolean): Store;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const directory = mkdtempSync(join(tmpdir(), 'kikuai-outbox-'));
  const stores: Store[] = [];
  return {
    open(outbox) {
      const store = new SqliteStore(join(directory, 'kikuai.db'), { outbox });
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function redisBackend(): Backend {
  if (!redisIsReachable) throw new Error(`Redis is unreachable at ${REDIS_URL} and CI is set: the Redis outbox suite cannot run.`);
  const keyPrefix = uniqueRedisPrefix();
  const clients: Redis[] = [];
  return {
    open(outbox) {
      const client = new Redis(REDIS_URL);
      clients.push(client);
      return new RedisStore(client, { keyPrefix, outbox });
    },
    async cleanup() {
      await deleteRedisPrefix(clients[0] ?? REDIS_URL, keyPrefix);
      for (const client of clients) await client.quit();
    },
  };
}

/** One cluster of the file's own, started on first use. */
let ownCluster: Promise<OwnRedisCluster> | null = null;
afterAll(async () => {
  await (await ownCluster)?.stop();
});

async function redisClusterBackend(): Promise<Backend> {
  ownCluster ??= startOwnRedisCluster();
  const cluster = await ownCluster;
  const keyPrefix = uniqueRedisPrefix();
  const stores: Store[] = [];
  return {
    open(outbox) {
      const store = new RedisStore(cluster.urls[0]!, { cluster: true, keyPrefix, outbox });
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) await store.close();
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Everything the outbox holds, read in batches of `size` and acknowledged. */
async function drainAll(store: Store, size = 100): Promise<OutboxEvent[]> {
  const drained: OutboxEvent[] = [];
  for (;;) {
    const batch = await store.readOutbox(size);
    if (batch.events.length === 0) return drained;
    drained.push(...batch.events);
    await store.ackOutbox(batch.receipt);
  }
}

const adapters: Array<{ name: string; make: () => Backend | Promise<Backend>; skip: boolean }> = [
  { name: 'sqlite', make: sqliteBackend, skip: false },
  { name: 'redis', make: redisBackend, skip: skipRedis },
  { name: 'redis cluster', make: redisClusterBackend, skip: !withOwnRedisCluster() },
];

describe.each(adapters)('outbox contract: $name', ({ make, skip }) => {
  let backend: Backend;

  beforeAll(async () => {
    if (!skip) backend = await make();
  }, 60_000);
  afterAll(async () => {
    if (!skip) await backend?.cleanup();
  });

  /** A registered account with a signup credit, a top-up credit, a call reserved and one refunded. */
  async function activity(store: Store) {
    const key = newKey();
    const telegramId = randomInt(1, 2 ** 47);
    const { account } = await store.register({ id: telegramId, username: 'ada' }, key, iso(T0), {
      first_key_shown_in: 'bot',
      signup_credit_micros: 100_000,
      low_balance_threshold_micros: null,
    });
    const topup = await store.createTopup(pendingPaddleTopup(account.id, 5_000_000, iso(T0)));
    await store.completeTopup(
      { topup_id: topup.id, credit: { amount_micros: 5_000_000, reason: 'card top-up', external_ref: `paddle:txn_${telegramId}` } },
      iso(T0 + 1000),
    );
    const kept = await store.reserve(reserveRequest(account.id, key, { price_micros: 2_000 }), iso(T0 + 2000));
    const refunded = reserveRequest(account.id, key, { price_micros: 3_000, product_id: 'routellm' });
    await store.reserve(refunded, iso(T0 + 3000));
    await store.refundCall(
      { ref: refunded.external_ref, reason: 'upstream failed', usage: usageEvent(account.id, key.id, { product_id: 'routellm' }) },
      iso(T0 + 4000),
    );
    await store.applyLedger({ account_id: account.id, kind: 'adjustment', amount_micros: -1_000, reason: 'operator' }, iso(T0 + 5000));
    expect(kept.ok).toBe(true);
    return { accountId: account.id, telegramId };
  }

  it.skipIf(skip)('without the outbox, a store writes none of it', async () => {
    const store = backend.open(false);
    await activity(store);
    await keyPaymentAndOperatorChanges(store);
    expect((await store.readOutbox(100)).events).toEqual([]);
    expect(await store.outboxBacklog()).toEqual({ pending: 0, oldest_at: null });
  });

  it.skipIf(skip)('with the outbox, each registration and ledger entry is an event, in ledger order, until acknowledged', async () => {
    const store = backend.open(true);
    await drainAll(store);
    const { accountId, telegramId } = await activity(store);

    expect(await store.outboxBacklog()).toEqual({ pending: 10, oldest_at: iso(T0) });
    const events = await drainAll(store, 3);
    // Each in the order of the changes: the first key with the account, the top-up's completion after its credit.
    expect(events.map((event) => (event.type === 'activity' ? `${event.category}.${event.action}` : event.type))).toEqual([
      'account_created',
      'key.created',
      'ledger',
      'payment.topup_created',
      'ledger',
      'payment.topup_completed',
      'ledger',
      'ledger',
      'ledger',
      'ledger',
    ]);
    const ledger = (await store.listLedger(accountId, { limit: 100 })).items.reverse();
    expect(events[0]).toEqual({
      type: 'account_created',
      event_id: `account_created:${accountId}`,
      account_id: accountId,
      at: iso(T0),
      telegram_id: telegramId,
    });
    const entries = events.filter((event) => event.type === 'ledger');
    expect(entries.map((event) => event.type === 'ledger' && event.entry)).toEqual(ledger);
    expect(entries.map((event) => event.type === 'ledger' && [event.seq, event.product_id, event.event_id === event.entry.id])).toEqual([
      [1, null, true],
      [2, null, true],
      [3, 'reliapi', true],
      [4, 'routellm', true],
      [5, null, true],
      [6, null, true],
    ]);
    expect(await store.outboxBacklog()).toEqual({ pending: 0, oldest_at: null });
  });

  it.skipIf(skip)('each key change, payment change and operator action is one event, in order, holding no secret and no hash', async () => {
    const store = backend.open(true);
    await drainAll(store);
    const made = await keyPaymentAndOperatorChanges(store);
    const { accountId, first, second, rotated, topup, chargeId, incident } = made;
    const drained = await drainAll(store, 4);
    const activities = drained.filter((event) => event.type === 'activity');

    const key = (record: { id: string; name: string; last_four: string }, changed: Record<string, unknown> = {}) => ({
      id: record.id,
      name: record.name,
      last_four: record.last_four,
      enabled: true,
      revoked_at: null,
      expires_at: null,
      allowed_products: null,
      permissions: ['products:call', 'billing:read', 'billing:write', 'keys:manage'],
      spend_limit_micros: null,
      spend_limit_period: null,
      ...changed,
    });
    const limited = { name: 'deploy', permissions: ['billing:read'], spend_limit_micros: 5_000, spend_limit_period: 'daily' };
    const claim = { category: 'payment', action: 'stars_charge_claimed', account_id: accountId, subject_id: chargeId, data: { topup_id: topup.id } };
    const ofAccount = activities.filter((event) => event.account_id === accountId);
    expect(ofAccount.map(({ type: _type, event_id: _id, at: _at, ...event }) => event)).toEqual([
      { category: 'key', action: 'created', account_id: accountId, subject_id: first.id, data: { key: key(first) } },
      { category: 'key', action: 'created', account_id: accountId, subject_id: second.id, data: { key: key(second) } },
      {
        category: 'key',
        action: 'updated',
        account_id: accountId,
        subject_id: second.id,
        data: { changed: ['name', 'permissions', 'spend_limit_micros', 'spend_limit_period'], key: key(second, limited) },
      },
      {
        category: 'key',
        action: 'rotated',
        account_id: accountId,
        subject_id: second.id,
        data: { previous_secret_valid_until: iso(T0 + 60_000), key: key(second, { ...limited, last_four: rotated.last_four }) },
      },
      {
        category: 'key',
        action: 'revoked',
        account_id: accountId,
        subject_id: second.id,
        data: { key: key(second, { ...limited, last_four: rotated.last_four, revoked_at: iso(T0 + 2000) }) },
      },
      {
        category: 'operator',
        action: 'account_suspended',
        account_id: accountId,
        subject_id: null,
        data: { status: 'suspended', reason: 'chargeback', actor: 'operator', request_id: 'req-1' },
      },
      {
        category: 'account',
        action: 'account_restored',
        account_id: accountId,
        subject_id: null,
        data: { status: 'active', reason: null, actor: null, request_id: null },
      },
      {
        category: 'payment',
        action: 'topup_created',
        account_id: accountId,
        subject_id: topup.id,
        data: { method: 'stars', status: 'pending', amount_micros: 2_000_000, stars: 100, provider_ref: null },
      },
      { category: 'payment', action: 'topup_updated', account_id: accountId, subject_id: topup.id, data: { changed: ['status'], status: 'failed' } },
      {
        category: 'payment',
        action: 'topup_completed',
        account_id: accountId,
        subject_id: topup.id,
        data: { status: 'completed', provider_ref: chargeId, ledger_entry_id: made.paidBy },
      },
      // Reported twice: the same event (one id) twice; PostgreSQL keeps it once.
      claim,
      claim,
    ]);
    expect(activities.filter((event) => event.account_id === null).map(({ type: _type, at: _at, ...event }) => event)).toEqual([
      {
        event_id: `payment_incident:${incident.id}`,
        category: 'payment',
        action: 'incident_recorded',
        account_id: null,
        subject_id: incident.id,
        data: { kind: incident.kind, topup_id: null, detail: incident.detail },
      },
    ]);

    // Ids: fixed for what happens once, fresh for what may happen again; the instants of the changes that name one.
    const [created, createdSecond, updated, rotation, revocation, suspension, restoration, topupCreated, topupFailed, topupCompleted, claimed, claimedAgain] =
      ofAccount;
    expect([created, createdSecond, revocation, topupCreated, claimed].map((event) => event!.event_id)).toEqual([
      `key_created:${first.id}`,
      `key_created:${second.id}`,
      `key_revoked:${second.id}`,
      `topup_created:${topup.id}`,
      `stars_charge_claimed:${chargeId}`,
    ]);
    expect(claimedAgain!.event_id).toBe(claimed!.event_id);
    const fresh = [updated, rotation, suspension, restoration, topupFailed, topupCompleted].map((event) => event!.event_id);
    for (const id of fresh) expect(id).toMatch(/^evt_[0-9A-Z]{26}$/);
    expect(new Set(fresh).size).toBe(fresh.length);
    expect([created, createdSecond, revocation, topupCreated, topupCompleted, claimed].map((event) => event!.at)).toEqual([
      iso(T0),
      iso(T0 + 1000),
      iso(T0 + 2000),
      iso(T0 + 3000),
      iso(T0 + 4000),
      iso(T0 + 4000),
    ]);

    // What the outbox holds (and so what PostgreSQL gets) has no secret, no part of one but its last four, and no hash.
    const raw = JSON.stringify(drained);
    expect(raw).not.toContain('kik_');
    for (const secret of [first, second, rotated]) {
      expect(raw).not.toContain(secret.hash);
      expect(raw).not.toContain(secret.secret.slice(4, -4));
    }
  });

  it.skipIf(skip)("the operator's registration and top-up change are operator events with its request", async () => {
    const store = backend.open(true);
    await drainAll(store);
    const key = newKey();
    const { account } = await store.register({ id: -randomInt(1, 2 ** 47), first_name: 'dev' }, key, iso(T0), {
      first_key_shown_in: null,
      signup_credit_micros: 0,
      low_balance_threshold_micros: null,
      audit: { actor: 'operator', request_id: 'req-7' },
    });
    const topup = await store.createTopup(pendingPaddleTopup(account.id, 1_000_000, iso(T0)));
    await store.updateTopup(topup.id, { status: 'refunded' }, { actor: 'operator', request_id: 'req-8', reason: 'asked by the user' });
    const events = (await drainAll(store)).filter((event) => event.type !== 'ledger');
    expect(events.map((event) => (event.type === 'activity' ? [event.category, event.action, event.data] : [event.type]))).toEqual([
      ['account_created'],
      ['key', 'created', expect.anything()],
      ['operator', 'account_created', { actor: 'operator', request_id: 'req-7' }],
      ['payment', 'topup_created', expect.anything()],
      ['operator', 'topup_updated', { changed: ['status'], status: 'refunded', actor: 'operator', request_id: 'req-8', reason: 'asked by the user' }],
    ]);
    expect(events[2]!.event_id).toBe(`operator_created:${account.id}`);
  });

  it.skipIf(skip)('two readers acknowledging the same events lose none written in between', async () => {
    const store = backend.open(true);
    const other = backend.open(true);
    await drainAll(store);
    const { accountId } = await activity(store);
    const first = await store.readOutbox(100);
    const second = await other.readOutbox(100);
    await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 7, reason: 'late', external_ref: 'late:1' }, iso(T0 + 9000));
    await store.ackOutbox(first.receipt);
    await other.ackOutbox(second.receipt);
    const rest = await drainAll(store);
    expect(rest.map((event) => event.type === 'ledger' && event.entry.external_ref)).toEqual(['late:1']);
  });
});
