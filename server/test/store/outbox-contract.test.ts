/**
 * The outbox contract (`Store.readOutbox` / `ackOutbox` / `outboxBacklog`), on both adapters:
 * what a store opened with `outbox: true` writes in the same atomic change as each ledger
 * entry and registration, and what a store without it writes (nothing).
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
import { T0, newKey, pendingPaddleTopup, reserveRequest, usageEvent } from '../support/store.js';

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

describe.each([
  { name: 'sqlite', make: sqliteBackend, skip: false },
  { name: 'redis', make: redisBackend, skip: skipRedis },
])('outbox contract: $name', ({ make, skip }) => {
  let backend: Backend;

  beforeAll(() => {
    if (!skip) backend = make();
  });
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
    expect((await store.readOutbox(100)).events).toEqual([]);
    expect(await store.outboxBacklog()).toEqual({ pending: 0, oldest_at: null });
  });

  it.skipIf(skip)('with the outbox, each registration and ledger entry is an event, in ledger order, until acknowledged', async () => {
    const store = backend.open(true);
    await drainAll(store);
    const { accountId, telegramId } = await activity(store);

    expect(await store.outboxBacklog()).toEqual({ pending: 7, oldest_at: iso(T0) });
    const events = await drainAll(store, 3);
    const ledger = (await store.listLedger(accountId, { limit: 100 })).items.reverse();
    expect(events[0]).toEqual({
      type: 'account_created',
      event_id: `account_created:${accountId}`,
      account_id: accountId,
      at: iso(T0),
      telegram_id: telegramId,
    });
    const entries = events.slice(1);
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
