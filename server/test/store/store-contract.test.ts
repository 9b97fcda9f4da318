/**
 * The store contract: one body, run against both adapters. Each adapter gets its own
 * data (a random Redis key prefix, deleted afterwards; a SQLite file in a temp dir).
 * Redis comes from REDIS_URL (default 127.0.0.1:6379). When it is unreachable the Redis
 * suite fails if CI is set, and is skipped with a message otherwise.
 * The same body runs a third time against a three-master Redis Cluster the suite starts
 * itself (redis-server --cluster-enabled yes, redis-cli --cluster create): a script whose
 * keys left one account's slot would fail there with CROSSSLOT.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTopupId } from '../../src/store/ids.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type {
  ChargesGroup,
  DailyHistoryItem,
  LedgerEntry,
  NewKey,
  Page,
  RateLimitRule,
  ReserveRequest,
  Store,
  Topup,
  UsageEvent,
} from '../../src/store/types.js';
import { HISTORY_DAYS, historyTotals, writeMixedLedger } from '../support/history.js';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { newKey, reserveRequest, sha256, usageEvent } from '../support/store.js';
import { REDIS_URL, redisIsReachable, skipRedis } from '@kikuai/testkit/stores';
import { startOwnRedisCluster, withOwnRedisCluster, type OwnRedisCluster } from '@kikuai/testkit/redis-cluster';

interface Backend {
  /** A new store instance (a new connection) on the same data. */
  open(): Store;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const directory = mkdtempSync(join(tmpdir(), 'kikuai-store-'));
  const stores: Store[] = [];
  return {
    open() {
      const store = new SqliteStore(join(directory, 'kikuai.db'));
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
  if (!redisIsReachable) throw new Error(`Redis is unreachable at ${REDIS_URL} and CI is set: the Redis store suite cannot run.`);
  const keyPrefix = uniqueRedisPrefix();
  const clients: Redis[] = [];
  return {
    open() {
      const client = new Redis(REDIS_URL);
      clients.push(client);
      return new RedisStore(client, { keyPrefix });
    },
    async cleanup() {
      await deleteRedisPrefix(clients[0] ?? REDIS_URL, keyPrefix);
      for (const c of clients) await c.quit();
    },
  };
}

/** One cluster of the file's own, started on first use; its data goes with it when it stops. */
let ownCluster: Promise<OwnRedisCluster> | null = null;
afterAll(async () => {
  await (await ownCluster)?.stop();
});

/** A backend on that cluster, under a key prefix of its own. */
async function redisClusterBackend(): Promise<Backend> {
  ownCluster ??= startOwnRedisCluster();
  const cluster = await ownCluster;
  const keyPrefix = uniqueRedisPrefix();
  const stores: Store[] = [];
  return {
    open() {
      // The store's own fail-fast connection, as `REDIS_CLUSTER=true` makes it.
      const store = new RedisStore(cluster.urls[0]!, { cluster: true, keyPrefix });
      stores.push(store);
      return store;
    },
    async cleanup() {
      for (const store of stores) await store.close();
    },
  };
}

const adapters: Array<{ name: string; make: () => Backend | Promise<Backend>; skip: boolean }> = [
  { name: 'sqlite', make: sqliteBackend, skip: false },
  { name: 'redis', make: redisBackend, skip: skipRedis },
  { name: 'redis cluster', make: redisClusterBackend, skip: !withOwnRedisCluster() },
];

const T0 = Date.parse('2026-03-04T10:00:00.000Z'); // a Wednesday
const iso = (ms: number): string => new Date(ms).toISOString();
const DAY = 86_400_000;

describe.each(adapters)('store contract: $name', ({ make, skip }) => {
  let backend: Backend;
  let store: Store;

  beforeAll(async () => {
    if (skip) return;
    backend = await make();
    store = backend.open();
  }, 60_000);
  afterAll(async () => {
    if (!skip) await backend?.cleanup();
  });

  /** A fresh account with its first key and (optionally) a starting balance. */
  async function account(balance = 0, keyOverrides: Partial<NewKey> = {}) {
    const key = newKey(keyOverrides);
    const registered = await store.register({ id: randomInt(1, 2 ** 47), username: 'ada', first_name: 'Ada' }, key, iso(T0));
    if (balance > 0) {
      await store.applyLedger(
        { account_id: registered.account.id, kind: 'credit', amount_micros: balance, reason: 'seed', external_ref: `seed:${randomBytes(4).toString('hex')}` },
        iso(T0),
      );
    }
    return { accountId: registered.account.id, key, registered };
  }

  it.skipIf(skip)('registers a Telegram user once, with a first key', async () => {
    const key = newKey();
    const user = { id: randomInt(1, 2 ** 47), username: 'grace', first_name: 'Grace', last_name: null, language_code: 'en' };
    const first = await store.register(user, key, iso(T0));
    expect(first.created).toBe(true);
    expect(first.account).toMatchObject({
      telegram_id: user.id,
      username: 'grace',
      last_name: null,
      language_code: 'en',
      status: 'active',
      balance_micros: 0,
      low_balance_notified: false,
    });
    expect(first.account.id).toMatch(/^acc_[0-9A-Z]{26}$/);
    expect(first.first_key).toMatchObject({ id: key.id, hash: key.hash, enabled: true, revoked_at: null, spent_micros: 0 });

    const again = await store.register(user, newKey(), iso(T0 + 1000));
    expect(again).toEqual({ account: first.account, created: false, first_key: null });
    expect(await store.getAccountByTelegramId(user.id)).toEqual(first.account);
    expect(await store.findKeyByHash(key.hash)).toEqual({ account_id: first.account.id, key_id: key.id });
  });

  it.skipIf(skip)('20 concurrent registers of one Telegram user make one account and one key', async () => {
    const user = { id: randomInt(1, 2 ** 47), username: 'race' };
    const instances = [store, backend.open(), backend.open()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 3]!.register(user, newKey(), iso(T0))));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(new Set(results.map((r) => r.account.id)).size).toBe(1);
    const keys = await store.listKeys(results[0]!.account.id);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.id).toBe(results.find((r) => r.created)!.first_key!.id);
  });

  it.skipIf(skip)('20 concurrent registers of one Telegram user credit the signup credit once, as its own ledger kind', async () => {
    const user = { id: randomInt(1, 2 ** 47), username: 'newcomer' };
    const options = { first_key_shown_in: 'mini_app' as const, signup_credit_micros: 100_000, low_balance_threshold_micros: 50_000 };
    const instances = [store, backend.open(), backend.open()];
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => instances[i % 3]!.register(user, newKey(), iso(T0), options)));
    const created = results.find((r) => r.created)!;
    expect(created.account).toMatchObject({ balance_micros: 100_000, low_balance_threshold_micros: 50_000, first_key_shown_in: 'mini_app' });

    const history = await store.listLedger(created.account.id, { limit: 10 });
    expect(history.items).toHaveLength(1);
    expect(history.items[0]).toMatchObject({ kind: 'signup_credit', amount_micros: 100_000, balance_after_micros: 100_000, external_ref: `signup:${user.id}` });
    expect(await store.sumLedger(created.account.id)).toBe(100_000);
    expect((await store.getAccountByTelegramId(user.id))!.balance_micros).toBe(100_000);
  });

  it.skipIf(skip)('a signup credit of 0 writes no ledger entry', async () => {
    const user = { id: randomInt(1, 2 ** 47) };
    const result = await store.register(user, newKey(), iso(T0), { first_key_shown_in: 'bot', signup_credit_micros: 0, low_balance_threshold_micros: null });
    expect(result.account).toMatchObject({ balance_micros: 0, first_key_shown_in: 'bot' });
    expect((await store.listLedger(result.account.id, { limit: 10 })).items).toEqual([]);
  });

  it.skipIf(skip)('1,000 concurrent debits against a balance covering 500: exactly 500 succeed', async () => {
    const { accountId } = await account(500_000);
    const instances = [store, backend.open(), backend.open(), backend.open()];
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        instances[i % 4]!.applyLedger({ account_id: accountId, kind: 'debit', amount_micros: -1000, reason: 'call', external_ref: `d:${i}` }, iso(T0)),
      ),
    );
    expect(results.filter((r) => r.ok && r.applied)).toHaveLength(500);
    expect(results.filter((r) => !r.ok && r.reason === 'insufficient_funds')).toHaveLength(500);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(0);
    expect(await store.sumLedger(accountId)).toBe(0);
    const balances = results.flatMap((r) => (r.ok ? [r.entry.balance_after_micros] : [])).sort((a, b) => a - b);
    expect(balances[0]).toBe(0);
    expect(new Set(balances).size).toBe(500);
  });

  it.skipIf(skip)('1,000 concurrent reserves against a balance covering 500: exactly 500 succeed', async () => {
    const { accountId, key } = await account(500_000);
    const instances = [store, backend.open(), backend.open(), backend.open()];
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => instances[i % 4]!.reserve(reserveRequest(accountId, key), iso(T0))));
    expect(results.filter((r) => r.ok)).toHaveLength(500);
    expect(results.filter((r) => !r.ok && r.reason === 'insufficient_funds')).toHaveLength(500);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(0);
    expect(await store.sumLedger(accountId)).toBe(0);
    expect((await store.getKey(accountId, key.id))!.spent_micros).toBe(500_000);
  });

  it.skipIf(skip)('the same external_ref credited 20 times concurrently credits once', async () => {
    const { accountId } = await account();
    const instances = [store, backend.open()];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        instances[i % 2]!.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 5_000_000, reason: 'paddle', external_ref: 'txn_01' }, iso(T0)),
      ),
    );
    const applied = results.filter((r) => r.ok && r.applied);
    expect(applied).toHaveLength(1);
    const firstId = applied[0]!.ok && applied[0]!.entry.id;
    for (const r of results) expect(r.ok && r.entry.id).toBe(firstId);
    expect(results.filter((r) => r.ok && !r.applied).every((r) => r.ok && r.balance_micros === 5_000_000 && r.crossed === null)).toBe(true);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(5_000_000);
    expect(await store.sumLedger(accountId)).toBe(5_000_000);
  });

  it.skipIf(skip)('refuses a debit beyond the balance and never goes below zero', async () => {
    const { accountId } = await account(1000);
    expect(await store.applyLedger({ account_id: accountId, kind: 'debit', amount_micros: -1001, reason: 'x' }, iso(T0))).toEqual({
      ok: false,
      reason: 'insufficient_funds',
      balance_micros: 1000,
    });
    expect(await store.applyLedger({ account_id: 'acc_missing', kind: 'credit', amount_micros: 1, reason: 'x' }, iso(T0))).toEqual({
      ok: false,
      reason: 'account_not_found',
    });
  });

  it.skipIf(skip)('clamp_and_suspend takes what there is, suspends and reports the shortfall', async () => {
    const { accountId } = await account(3000);
    const result = await store.applyLedger(
      { account_id: accountId, kind: 'adjustment', amount_micros: -5000, reason: 'chargeback', external_ref: 'cb_1', on_insufficient: 'clamp_and_suspend' },
      iso(T0),
    );
    expect(result).toMatchObject({ ok: true, applied: true, balance_micros: 0, crossed: 'exhausted', shortfall_micros: 2000 });
    expect(result.ok && result.entry).toMatchObject({ amount_micros: -3000, balance_after_micros: 0, kind: 'adjustment', external_ref: 'cb_1' });
    const after = await store.getAccount(accountId);
    expect(after).toMatchObject({ status: 'suspended', suspended_reason: 'insufficient_funds: shortfall of 2000 micro-USD', balance_micros: 0 });
    expect(await store.sumLedger(accountId)).toBe(0);
  });

  it.skipIf(skip)('low balance: low once, exhausted at zero, recovered above threshold + 10%', async () => {
    const { accountId } = await account(10_000);
    await store.setLowBalanceThreshold(accountId, 5000);
    const debit = (amount: number, ref: string) =>
      store.applyLedger({ account_id: accountId, kind: 'debit', amount_micros: -amount, reason: 'call', external_ref: ref }, iso(T0));
    const credit = (amount: number, ref: string) =>
      store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: amount, reason: 'topup', external_ref: ref }, iso(T0));
    expect(await debit(5000, 'a')).toMatchObject({ balance_micros: 5000, crossed: null }); // 5,000 is not below 5,000
    expect(await debit(5000, 'a2')).toMatchObject({ balance_micros: 0, crossed: 'exhausted' });
    expect((await store.getAccount(accountId))!.low_balance_notified).toBe(true);
    expect(await credit(5400, 'b')).toMatchObject({ balance_micros: 5400, crossed: null }); // below 5,500
    expect(await credit(100, 'c')).toMatchObject({ balance_micros: 5500, crossed: 'recovered' });
    expect((await store.getAccount(accountId))!.low_balance_notified).toBe(false);
    expect(await debit(400, 'd')).toMatchObject({ balance_micros: 5100, crossed: null });
    expect(await debit(200, 'e')).toMatchObject({ balance_micros: 4900, crossed: 'low' });
    expect((await store.getAccount(accountId))!.low_balance_notified).toBe(true);
    expect(await debit(100, 'f')).toMatchObject({ balance_micros: 4800, crossed: null });
    expect(await credit(300, 'g')).toMatchObject({ balance_micros: 5100, crossed: null });
  });

  it.skipIf(skip)('a key revoked through one client is refused through another at once', async () => {
    const { accountId, key } = await account();
    const other = backend.open();
    const request = { account_id: accountId, key_id: key.id, hash: key.hash, now_ms: T0, rate_limits: [] };
    expect((await other.authorize(request)).ok).toBe(true);
    expect(await store.revokeKey(accountId, key.id, iso(T0))).toMatchObject({ id: key.id, revoked_at: iso(T0) });
    expect(await other.authorize(request)).toEqual({ ok: false, reason: 'key_revoked' });
    expect(await other.getKey(accountId, key.id)).toBeNull();
    expect(await other.listKeys(accountId)).toEqual([]);
    expect(await store.revokeKey(accountId, key.id, iso(T0))).toBeNull();
  });

  // Each client keeps snapshots of keys and accounts (auth-snapshots.ts): a change made
  // through one client must be seen by the very next authorize or reserve of another
  // client whose snapshot is warm.
  it.skipIf(skip)('every change to a key or its account is seen at once by another client with a warm snapshot', async () => {
    const other = backend.open();
    const warm = async (accountId: string, key: { id: string; hash: string }) => {
      for (let i = 0; i < 2; i++)
        expect((await other.authorize({ account_id: accountId, key_id: key.id, hash: key.hash, now_ms: T0, rate_limits: [] })).ok).toBe(true);
    };
    const authorizeThroughOther = (accountId: string, key: { id: string; hash: string }) =>
      other.authorize({ account_id: accountId, key_id: key.id, hash: key.hash, now_ms: T0, rate_limits: [] });
    const reserveThroughOther = (accountId: string, key: { id: string; hash: string }, productId = 'reliapi') =>
      other.reserve(reserveRequest(accountId, key, { product_id: productId }), iso(T0));

    {
      const { accountId, key } = await account(10_000);
      await warm(accountId, key);
      await store.updateKey(accountId, key.id, { enabled: false });
      expect(await authorizeThroughOther(accountId, key)).toEqual({ ok: false, reason: 'key_disabled' });
      expect(await reserveThroughOther(accountId, key)).toEqual({ ok: false, reason: 'key_disabled' });
      await store.updateKey(accountId, key.id, { enabled: true });
      expect((await authorizeThroughOther(accountId, key)).ok).toBe(true);
    }
    {
      const { accountId, key } = await account(10_000);
      await warm(accountId, key);
      await store.updateKey(accountId, key.id, { expires_at: iso(T0 - 1) });
      expect(await authorizeThroughOther(accountId, key)).toEqual({ ok: false, reason: 'key_expired' });
    }
    {
      const { accountId, key } = await account(10_000);
      await warm(accountId, key);
      expect((await reserveThroughOther(accountId, key)).ok).toBe(true);
      await store.updateKey(accountId, key.id, { allowed_products: ['routellm'] });
      expect(await reserveThroughOther(accountId, key)).toEqual({ ok: false, reason: 'product_not_allowed' });
      expect((await reserveThroughOther(accountId, key, 'routellm')).ok).toBe(true);
      await store.updateKey(accountId, key.id, { spend_limit_micros: 2500, spend_limit_period: null });
      expect(await reserveThroughOther(accountId, key, 'routellm')).toEqual({
        ok: false,
        reason: 'spend_limit_reached',
        limit_micros: 2500,
        spent_micros: 2000,
        period: null,
      });
    }
    {
      const { accountId, key } = await account(10_000);
      await warm(accountId, key);
      await store.rotateKey(accountId, key.id, newKey(), null);
      expect(await authorizeThroughOther(accountId, key)).toEqual({ ok: false, reason: 'key_not_found' });
      expect(await reserveThroughOther(accountId, key)).toEqual({ ok: false, reason: 'key_not_found' });
    }
    {
      const { accountId, key } = await account(10_000);
      await warm(accountId, key);
      await store.setAccountStatus(accountId, 'suspended', 'abuse');
      expect(await authorizeThroughOther(accountId, key)).toEqual({ ok: false, reason: 'account_suspended' });
      expect(await reserveThroughOther(accountId, key)).toEqual({ ok: false, reason: 'account_suspended' });
      await store.setAccountStatus(accountId, 'active', null);
      expect((await authorizeThroughOther(accountId, key)).ok).toBe(true);
    }
    {
      // A chargeback that takes more than the balance suspends the account.
      const { accountId, key } = await account(1_000);
      await warm(accountId, key);
      await store.applyLedger(
        { account_id: accountId, kind: 'debit', amount_micros: -5_000, reason: 'chargeback', external_ref: 'cb', on_insufficient: 'clamp_and_suspend' },
        iso(T0),
      );
      expect(await authorizeThroughOther(accountId, key)).toEqual({ ok: false, reason: 'account_suspended' });
    }
    {
      // Per-call fields are always read: the balance, the threshold, the spend and the last use.
      const { accountId, key } = await account(10_000);
      await warm(accountId, key);
      await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 5_000, reason: 'top-up', external_ref: 'more' }, iso(T0));
      await store.setLowBalanceThreshold(accountId, 20_000);
      await store.touchKeys([{ account_id: accountId, key_id: key.id, at: iso(T0 + 5) }]);
      expect((await store.reserve(reserveRequest(accountId, key), iso(T0))).ok).toBe(true);
      const seen = await authorizeThroughOther(accountId, key);
      const fresh = await store.getAccount(accountId);
      expect(seen).toMatchObject({
        ok: true,
        account: { ...fresh, balance_micros: 14_000, low_balance_threshold_micros: 20_000, low_balance_notified: true },
        key: { id: key.id, spent_micros: 1000, last_used_at: iso(T0 + 5) },
      });
    }
  });

  it.skipIf(skip)('rotation: the old hash works until its grace expiry, the new one at once', async () => {
    const { accountId, key } = await account();
    const next = newKey();
    const graceEnds = T0 + 60_000;
    const rotated = await store.rotateKey(accountId, key.id, next, iso(graceEnds));
    expect(rotated).toMatchObject({
      id: key.id,
      hash: next.hash,
      previous_hash: key.hash,
      previous_hash_expires_at: iso(graceEnds),
      last_four: next.last_four,
    });
    expect(await store.findKeyByHash(next.hash)).toEqual({ account_id: accountId, key_id: key.id });
    expect(await store.findKeyByHash(key.hash)).toEqual({ account_id: accountId, key_id: key.id });
    const auth = (hash: string, now_ms: number) => store.authorize({ account_id: accountId, key_id: key.id, hash, now_ms, rate_limits: [] });
    expect((await auth(key.hash, graceEnds - 1)).ok).toBe(true);
    expect(await auth(key.hash, graceEnds)).toEqual({ ok: false, reason: 'key_not_found' });
    expect((await auth(next.hash, graceEnds + DAY)).ok).toBe(true);
    expect(await auth(sha256('wrong'), T0)).toEqual({ ok: false, reason: 'key_not_found' });

    const third = newKey();
    await store.rotateKey(accountId, key.id, third, null);
    expect(await auth(next.hash, T0)).toEqual({ ok: false, reason: 'key_not_found' });
    expect((await auth(third.hash, T0)).ok).toBe(true);
  });

  it.skipIf(skip)('expired and disabled keys, suspended and missing accounts are refused', async () => {
    const { accountId, key } = await account(10_000, { expires_at: iso(T0 + 1000) });
    const request = reserveRequest(accountId, key);
    expect((await store.authorize({ ...request, now_ms: T0 + 999 })).ok).toBe(true);
    expect(await store.authorize({ ...request, now_ms: T0 + 1000 })).toEqual({ ok: false, reason: 'key_expired' });
    expect(await store.reserve({ ...request, now_ms: T0 + 1000 }, iso(T0))).toEqual({ ok: false, reason: 'key_expired' });

    await store.updateKey(accountId, key.id, { expires_at: null, enabled: false });
    expect(await store.authorize(request)).toEqual({ ok: false, reason: 'key_disabled' });
    expect(await store.reserve(request, iso(T0))).toEqual({ ok: false, reason: 'key_disabled' });
    await store.updateKey(accountId, key.id, { enabled: true });

    expect(await store.setAccountStatus(accountId, 'suspended', 'abuse')).toMatchObject({ status: 'suspended', suspended_reason: 'abuse' });
    expect(await store.authorize(request)).toEqual({ ok: false, reason: 'account_suspended' });
    expect(await store.reserve(request, iso(T0))).toEqual({ ok: false, reason: 'account_suspended' });
    await store.setAccountStatus(accountId, 'active', null);
    expect((await store.reserve(request, iso(T0))).ok).toBe(true);
    expect(await store.authorize({ ...request, key_id: 'key_missing' })).toEqual({ ok: false, reason: 'key_not_found' });
    expect((await store.getAccount(accountId))!.balance_micros).toBe(9000);
  });

  it.skipIf(skip)('spend limit: refused with the reason, reset on the next period (daily, weekly from Monday)', async () => {
    const { accountId, key } = await account(100_000, { spend_limit_micros: 3000, spend_limit_period: 'daily' });
    const at = (now_ms: number) => store.reserve(reserveRequest(accountId, key, { now_ms }), iso(now_ms));
    for (let i = 0; i < 3; i++) expect((await at(T0)).ok).toBe(true);
    expect(await at(T0)).toEqual({ ok: false, reason: 'spend_limit_reached', limit_micros: 3000, spent_micros: 3000, period: 'daily' });
    const nextDay = Date.parse('2026-03-05T00:00:00.000Z');
    const reset = await at(nextDay);
    expect(reset.ok && reset.key).toMatchObject({ spent_micros: 1000, spend_period_start: '2026-03-05T00:00:00.000Z' });

    await store.updateKey(accountId, key.id, { spend_limit_period: 'weekly', spend_limit_micros: 2000 });
    const sunday = Date.parse('2026-03-08T23:59:59.000Z');
    expect((await at(sunday)).ok).toBe(true); // new week period (Mon 2 March): counter restarts
    expect((await at(sunday)).ok).toBe(true);
    expect(await at(sunday)).toEqual({ ok: false, reason: 'spend_limit_reached', limit_micros: 2000, spent_micros: 2000, period: 'weekly' });
    const monday = await at(Date.parse('2026-03-09T00:00:00.000Z'));
    expect(monday.ok && monday.key).toMatchObject({ spent_micros: 1000, spend_period_start: '2026-03-09T00:00:00.000Z' });

    await store.updateKey(accountId, key.id, { spend_limit_period: 'monthly', spend_limit_micros: 1000 });
    const march = Date.parse('2026-03-31T12:00:00.000Z');
    expect((await at(march)).ok).toBe(true);
    expect(await at(march)).toMatchObject({ ok: false, reason: 'spend_limit_reached', period: 'monthly' });
    expect((await at(Date.parse('2026-04-01T00:00:00.000Z'))).ok).toBe(true);
  });

  it.skipIf(skip)('allowed_products is enforced', async () => {
    const { accountId, key } = await account(100_000, { allowed_products: ['reliapi'] });
    expect((await store.reserve(reserveRequest(accountId, key, { product_id: 'reliapi' }), iso(T0))).ok).toBe(true);
    expect(await store.reserve(reserveRequest(accountId, key, { product_id: 'routellm' }), iso(T0))).toEqual({ ok: false, reason: 'product_not_allowed' });
    await store.updateKey(accountId, key.id, { allowed_products: null });
    expect((await store.reserve(reserveRequest(accountId, key, { product_id: 'routellm' }), iso(T0))).ok).toBe(true);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(98_000);
  });

  it.skipIf(skip)('rate limits count per fixed window and reset in the next one', async () => {
    const { accountId, key } = await account(100_000);
    const rules: RateLimitRule[] = [
      { bucket: `key:${key.id}`, limit: 3, window_ms: 60_000 },
      { bucket: 'account', limit: 10, window_ms: 60_000 },
    ];
    const windowStart = T0 - (T0 % 60_000); // T0 is on a minute: the window starts at T0
    const auth = (now_ms: number) => store.authorize({ account_id: accountId, key_id: key.id, hash: key.hash, now_ms, rate_limits: rules });
    const first = await auth(T0 + 1000);
    expect(first.ok && first.rate_limits).toEqual([
      { bucket: `key:${key.id}`, limit: 3, remaining: 2, reset_ms: windowStart + 60_000 - (T0 + 1000) },
      { bucket: 'account', limit: 10, remaining: 9, reset_ms: 59_000 },
    ]);
    expect((await auth(T0 + 2000)).ok).toBe(true);
    const third = await store.reserve(reserveRequest(accountId, key, { now_ms: T0 + 3000, rate_limits: rules }), iso(T0));
    expect(third.ok && third.rate_limits.map((s) => s.remaining)).toEqual([0, 7]);
    const limited = await auth(T0 + 4000);
    expect(limited).toEqual({
      ok: false,
      reason: 'rate_limited',
      rate_limit: { bucket: `key:${key.id}`, limit: 3, remaining: 0, reset_ms: 56_000 },
      rate_limits: [
        { bucket: `key:${key.id}`, limit: 3, remaining: 0, reset_ms: 56_000 },
        { bucket: 'account', limit: 10, remaining: 7, reset_ms: 56_000 },
      ],
    });
    const nextWindow = await auth(T0 + 60_000);
    expect(nextWindow.ok && nextWindow.rate_limits.map((s) => s.remaining)).toEqual([2, 9]);
  });

  it.skipIf(skip)('createKey enforces the maximum of live keys', async () => {
    const { accountId } = await account();
    const second = await store.createKey(accountId, newKey({ name: 'ci', allowed_products: ['reliapi'] }), 2, iso(T0 + 1));
    expect(second).toMatchObject({ ok: true, key: { name: 'ci', allowed_products: ['reliapi'], account_id: accountId } });
    const extra = newKey();
    expect(await store.createKey(accountId, extra, 2, iso(T0))).toEqual({ ok: false, reason: 'too_many_keys' });
    expect(await store.findKeyByHash(extra.hash)).toBeNull();
    expect(await store.createKey('acc_missing', newKey(), 2, iso(T0))).toEqual({ ok: false, reason: 'account_not_found' });
    const keys = await store.listKeys(accountId);
    expect(keys.map((k) => k.name)).toEqual(['default', 'ci']);
    await store.revokeKey(accountId, keys[0]!.id, iso(T0));
    expect((await store.createKey(accountId, newKey({ name: 'third' }), 2, iso(T0))).ok).toBe(true);
    expect((await store.listKeys(accountId)).map((k) => k.name)).toEqual(['ci', 'third']);
    expect(await store.updateKey(accountId, keys[0]!.id, { name: 'zombie' })).toBeNull();
    expect(await store.getKey('acc_other', keys[1]!.id)).toBeNull();
  });

  it.skipIf(skip)('touchKeys moves last_used_at forward only', async () => {
    const { accountId, key } = await account();
    await store.touchKeys([
      { account_id: accountId, key_id: key.id, at: iso(T0 + 2000) },
      { account_id: accountId, key_id: key.id, at: iso(T0 + 1000) },
      { account_id: accountId, key_id: 'key_missing', at: iso(T0) },
    ]);
    expect((await store.getKey(accountId, key.id))!.last_used_at).toBe(iso(T0 + 2000));
    expect(await store.getKey(accountId, 'key_missing')).toBeNull();
  });

  it.skipIf(skip)('applies batches that span many accounts to each of them (one slot per account on a cluster)', async () => {
    // Twelve accounts land on every node of a three-master cluster: a batch sent as one
    // pipeline there fails ("All keys in the pipeline should belong to the same slots").
    const accounts = await Promise.all(Array.from({ length: 12 }, () => account(10_000)));
    await store.touchKeys(accounts.map(({ accountId, key }) => ({ account_id: accountId, key_id: key.id, at: iso(T0 + 9) })));
    await store.recordUsage(accounts.map(({ accountId, key }) => usageEvent(accountId, key.id, { endpoint: '/batch' })));
    const refs = accounts.map(() => `call:${randomBytes(6).toString('hex')}`);
    await Promise.all(accounts.map(({ accountId, key }, i) => store.reserve(reserveRequest(accountId, key, { external_ref: refs[i]! }), iso(T0))));
    await store.settleCalls(
      [],
      refs.map((ref, i) => ({ ref, usage: usageEvent(accounts[i]!.accountId, accounts[i]!.key.id, { endpoint: '/settled' }) })),
    );
    for (const { accountId, key } of accounts) {
      expect((await store.getKey(accountId, key.id))!.last_used_at).toBe(iso(T0 + 9));
      expect((await store.getUsage(accountId, '2026-03-04', '2026-03-04'))[0]).toMatchObject({ requests: 2, cost_micros: 2000 });
      expect((await store.getAccount(accountId))!.balance_micros).toBe(9000);
    }
  });

  it.skipIf(skip)('pages through 120 entries, 50 at a time, newest first, no gaps or duplicates', async () => {
    const { accountId } = await account();
    for (let i = 1; i <= 120; i++) {
      await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: i, reason: `n${i}`, external_ref: `p:${i}` }, iso(T0 + i));
    }
    const pages = [];
    let cursor: string | null = null;
    do {
      const page = await store.listLedger(accountId, { limit: 50, cursor });
      pages.push(page.items);
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    const amounts = pages.flat().map((e) => e.amount_micros);
    expect(amounts).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i));
    expect(pages[0]![0]).toMatchObject({ reason: 'n120', balance_after_micros: 7260, external_ref: 'p:120', created_at: iso(T0 + 120), account_id: accountId });
    expect(pages[0]![0]!.id).toMatch(/^led_[0-9A-Z]{26}$/);
    expect(await store.sumLedger(accountId)).toBe(7260);
    await expect(store.listLedger(accountId, { limit: 50, cursor: 'bm9wZQ' })).rejects.toThrow(/cursor/);
  });

  /**
   * The history tests' calls stay open (never settled), and the open-call tests count every
   * open call of their store: the history tests get a store of their own, removed after.
   */
  const ownBackends: Backend[] = [];
  afterAll(async () => {
    for (const own of ownBackends) await own.cleanup();
  });
  async function ownStore(balance = 0) {
    const own = await make();
    ownBackends.push(own);
    const history = own.open();
    const key = newKey();
    const { account } = await history.register({ id: randomInt(1, 2 ** 47) }, key, iso(T0));
    if (balance > 0)
      await history.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: balance, reason: 'seed', external_ref: 'seed' }, iso(T0));
    return { history, accountId: account.id, key };
  }

  it.skipIf(skip)(
    'daily history: 1,000 calls over 3 days and 2 products group by day and product, sum to the ledger, page without loss or repeat',
    async () => {
      const { history, accountId } = await ownStore();
      const written = await writeMixedLedger(history, accountId);
      const items: DailyHistoryItem[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      do {
        const page: Page<DailyHistoryItem> = await history.listDailyHistory(accountId, { limit: 4, cursor });
        pageSizes.push(page.items.length);
        items.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      expect(Math.max(...pageSizes)).toBeLessThanOrEqual(4);

      const totals = historyTotals(items);
      expect(totals.sum).toBe(await history.sumLedger(accountId));
      expect(totals.groups).toEqual(written.chargesByGroup);
      expect(new Set(totals.entryIds).size).toBe(totals.entryIds.length);
      expect(totals.entryIds).toHaveLength(written.standalone);
      const kinds = items.flatMap((item) => (item.type === 'entry' ? [item.entry.kind] : []));
      expect(new Set(kinds)).toEqual(new Set(['credit', 'refund', 'adjustment']));
      // Newest first: the adjustment of the last evening, then the last day's groups.
      expect(items[0]).toMatchObject({ type: 'entry', entry: { kind: 'adjustment', amount_micros: -500 } });
      expect(items[1]).toMatchObject({ type: 'charges', day: HISTORY_DAYS[2] });

      // The single calls of a group, one filter away, from the group's own cursor.
      const group = items.find((item): item is ChargesGroup => item.type === 'charges' && item.day === HISTORY_DAYS[1] && item.product_id === 'routellm')!;
      const calls: LedgerEntry[] = [];
      cursor = group.calls_cursor;
      do {
        const page: Page<LedgerEntry> = await history.filterLedger(accountId, {
          limit: 100,
          cursor,
          kind: 'debit',
          day: group.day,
          product_id: group.product_id,
        });
        calls.push(...page.items);
        cursor = page.next_cursor;
      } while (cursor);
      expect(calls.length).toBe(written.chargesByGroup.get(`${HISTORY_DAYS[1]}|routellm`)!.calls);
      expect(calls.every((entry) => entry.kind === 'debit' && entry.reason === 'routellm/llm' && entry.created_at.startsWith(HISTORY_DAYS[1]!))).toBe(true);
      expect(calls[0]!.created_at).toBe(group.last_at);
      // A day's calls that span page breaks show as several groups; the filter lists them all.
      const firstOfDay = items
        .flatMap((item) => (item.type === 'charges' && item.day === group.day && item.product_id === group.product_id ? [item.first_at] : []))
        .sort()[0];
      expect(calls.at(-1)!.created_at).toBe(firstOfDay);
      const refunds = await history.filterLedger(accountId, { limit: 100, kind: 'refund', product_id: 'reliapi' });
      expect(refunds.items.length).toBeGreaterThan(0);
      expect(refunds.items.every((entry: LedgerEntry) => entry.kind === 'refund' && entry.reason.startsWith('reliapi/'))).toBe(true);
      await expect(history.listDailyHistory(accountId, { limit: 5, cursor: 'bm9wZQ' })).rejects.toThrow(/cursor/);
    },
  );

  it.skipIf(skip)('daily history reads at most 2,000 entries a page: a longer run of one group continues on the next page', async () => {
    const { history, accountId, key } = await ownStore(10_000_000);
    for (let i = 0; i < 2100; i++) await history.reserve(reserveRequest(accountId, key, { reason: 'reliapi/llm', now_ms: T0 + i }), iso(T0 + i));
    const first = await history.listDailyHistory(accountId, { limit: 20 });
    expect(first.items).toEqual([expect.objectContaining({ type: 'charges', calls: 2000, amount_micros: -2_000_000 })]);
    const second = await history.listDailyHistory(accountId, { limit: 20, cursor: first.next_cursor });
    expect(second.items).toEqual([expect.objectContaining({ type: 'charges', calls: 100 }), expect.objectContaining({ type: 'entry' })]);
    expect(second.next_cursor).toBeNull();
  });

  it.skipIf(skip)('aggregates usage per day, product and key; keeps the last 1,000 raw events', async () => {
    const { accountId, key } = await account();
    const event = (overrides: Partial<UsageEvent>): UsageEvent => usageEvent(accountId, key.id, { endpoint: '/v1/x', latency_ms: 10, ...overrides });
    await store.recordUsage([
      event({}),
      event({ upstream_status: 502, latency_ms: 30 }),
      event({ upstream_status: null, cost_micros: 0 }),
      event({ product_id: 'routellm', cost_micros: 2500 }),
      event({ key_id: 'key_b' }),
      event({ at: '2026-03-05T00:00:01.000Z' }),
      event({ at: '2026-03-07T00:00:01.000Z' }),
    ]);
    expect(await store.getUsage(accountId, '2026-03-04', '2026-03-05')).toEqual([
      { day: '2026-03-04', product_id: 'reliapi', key_id: key.id, requests: 3, errors: 2, cost_micros: 2000, latency_ms_total: 50 },
      { day: '2026-03-04', product_id: 'reliapi', key_id: 'key_b', requests: 1, errors: 0, cost_micros: 1000, latency_ms_total: 10 },
      { day: '2026-03-04', product_id: 'routellm', key_id: key.id, requests: 1, errors: 0, cost_micros: 2500, latency_ms_total: 10 },
      { day: '2026-03-05', product_id: 'reliapi', key_id: key.id, requests: 1, errors: 0, cost_micros: 1000, latency_ms_total: 10 },
    ]);
    expect(await store.getUsage(accountId, '2026-03-06', '2026-03-06')).toEqual([]);

    // One batch: an earlier day whose raw events are all older than the 1,000 kept, the
    // day's 1,005 calls, and another account's calls. Every call counts in the sums.
    const other = await account();
    await store.recordUsage([
      ...Array.from({ length: 10 }, (_, i) => event({ endpoint: `/old/${i}`, at: '2026-03-03T23:00:00.000Z' })),
      ...Array.from({ length: 1005 }, (_, i) => event({ endpoint: `/e/${i}` })),
      { ...event({ endpoint: '/other' }), account_id: other.accountId, key_id: other.key.id },
    ]);
    const events = await store.listUsageEvents(accountId, 2000);
    expect(events).toHaveLength(1000);
    expect(events[0]!.endpoint).toBe('/e/1004');
    expect(events[999]!.endpoint).toBe('/e/5');
    expect(await store.getUsage(accountId, '2026-03-03', '2026-03-03')).toEqual([
      { day: '2026-03-03', product_id: 'reliapi', key_id: key.id, requests: 10, errors: 0, cost_micros: 10_000, latency_ms_total: 100 },
    ]);
    expect((await store.getUsage(accountId, '2026-03-04', '2026-03-04'))[0]).toMatchObject({ key_id: key.id, product_id: 'reliapi', requests: 1008 });
    expect((await store.listUsageEvents(other.accountId, 10)).map((e) => e.endpoint)).toEqual(['/other']);
  });

  it.skipIf(skip)('creates, reads and updates top-ups', async () => {
    const { accountId } = await account();
    const topup: Topup = {
      id: newTopupId(),
      account_id: accountId,
      method: 'stars',
      amount_micros: 5_000_000,
      stars: 250,
      status: 'pending',
      checkout_url: null,
      invoice_link: 'https://t.me/$abc',
      provider_ref: null,
      ledger_entry_id: null,
      created_at: iso(T0),
      completed_at: null,
    };
    expect(await store.createTopup(topup)).toEqual(topup);
    expect(await store.getTopup(topup.id)).toEqual(topup);
    const updated = await store.updateTopup(topup.id, {
      status: 'completed',
      provider_ref: 'charge_1',
      ledger_entry_id: 'led_1',
      completed_at: iso(T0 + 1),
      invoice_link: null,
    });
    expect(updated).toEqual({
      ...topup,
      status: 'completed',
      provider_ref: 'charge_1',
      ledger_entry_id: 'led_1',
      completed_at: iso(T0 + 1),
      invoice_link: null,
    });
    expect(await store.getTopup(topup.id)).toEqual(updated);
    expect(await store.getTopup('top_missing')).toBeNull();
    expect(await store.updateTopup('top_missing', { status: 'failed' })).toBeNull();
  });

  it.skipIf(skip)('claims, saves and releases idempotency keys', async () => {
    const scope = `acc_${randomBytes(4).toString('hex')}`;
    expect(await store.claimIdempotent(scope, 'k1', 'fp', 60)).toBeNull();
    expect(await store.claimIdempotent(scope, 'k1', 'fp', 60)).toEqual({ state: 'pending' });
    await store.saveIdempotent(scope, 'k1', 'fp', 201, '{"id":1}', 60);
    expect(await store.claimIdempotent(scope, 'k1', 'other', 60)).toEqual({ state: 'done', fingerprint: 'fp', status: 201, body: '{"id":1}' });
    expect(await store.claimIdempotent(scope, 'k2', 'fp', 60)).toBeNull();
    await store.releaseIdempotent(scope, 'k2');
    expect(await store.claimIdempotent(scope, 'k2', 'fp', 60)).toBeNull();
    const claims = await Promise.all(Array.from({ length: 10 }, () => store.claimIdempotent(scope, 'k3', 'fp', 60)));
    expect(claims.filter((c) => c === null)).toHaveLength(1);
  });

  it.skipIf(skip)('a pending claim that is never saved or released expires with its own TTL, and a saved answer takes the longer one', async () => {
    const scope = `acc_${randomBytes(4).toString('hex')}`;
    expect(await store.claimIdempotent(scope, 'abandoned', 'fp', 1)).toBeNull();
    expect(await store.claimIdempotent(scope, 'finished', 'fp', 1)).toBeNull();
    await store.saveIdempotent(scope, 'finished', 'fp', 201, '{"id":2}', 60);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    // The request that claimed it died (or the store went away before its release): a retry runs.
    expect(await store.claimIdempotent(scope, 'abandoned', 'fp', 1)).toBeNull();
    expect(await store.claimIdempotent(scope, 'finished', 'fp', 1)).toEqual({ state: 'done', fingerprint: 'fp', status: 201, body: '{"id":2}' });
  });

  it.skipIf(skip)('markSeen is true once per id within its TTL', async () => {
    const id = randomBytes(4).toString('hex');
    expect(await store.markSeen('paddle', id, 60)).toBe(true);
    expect(await store.markSeen('paddle', id, 60)).toBe(false);
    expect(await store.markSeen('telegram', id, 60)).toBe(true);
    expect(await store.markSeen('ttl', id, 1)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await store.markSeen('ttl', id, 1)).toBe(true);
  });

  it.skipIf(skip)('a repeated reserve external_ref returns the first entry without a second debit', async () => {
    const { accountId, key } = await account(10_000);
    const request = reserveRequest(accountId, key, { external_ref: 'call:req_1' });
    const first = await store.reserve(request, iso(T0));
    const second = await store.reserve(request, iso(T0));
    expect(first.ok && second.ok && second.entry.id === first.entry.id).toBe(true);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(9000);
    const refund = await store.applyLedger(
      { account_id: accountId, kind: 'refund', amount_micros: 1000, reason: 'upstream 502', external_ref: 'refund:req_1' },
      iso(T0),
    );
    expect(refund).toMatchObject({ ok: true, applied: true, balance_micros: 10_000 });
    expect((await store.listLedger(accountId, { limit: 2 })).items.map((e) => [e.kind, e.amount_micros, e.external_ref])).toEqual([
      ['refund', 1000, 'refund:req_1'],
      ['debit', -1000, 'call:req_1'],
    ]);
  });

  it.skipIf(skip)('a refused reserve leaves its reference unused: the same call goes through once the balance allows', async () => {
    const { accountId, key } = await account(1500);
    // The first call warms the store's snapshot of the key, so the next ones take the per-call path.
    expect((await store.reserve(reserveRequest(accountId, key, { external_ref: 'call:warm' }), iso(T0))).ok).toBe(true);
    const request = reserveRequest(accountId, key, { external_ref: 'call:retry' });
    expect(await store.reserve(request, iso(T0))).toMatchObject({ ok: false, reason: 'insufficient_funds', balance_micros: 500 });
    await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 1000, reason: 'top-up', external_ref: 'topup:retry' }, iso(T0));
    const charged = await store.reserve(request, iso(T0));
    expect(charged).toMatchObject({ ok: true, balance_micros: 500 });
    expect(await store.reserve(request, iso(T0))).toMatchObject({ ok: true, balance_micros: 500 });
    const debits = (await store.listLedger(accountId, { limit: 10 })).items.filter((e) => e.external_ref === 'call:retry');
    expect(debits.map((e) => [e.kind, e.amount_micros, e.balance_after_micros])).toEqual([['debit', -1000, 500]]);
  });

  it.skipIf(skip)('a refund with key_id gives the spend back to the key within its period', async () => {
    const { accountId, key } = await account(10_000, { spend_limit_micros: 2000, spend_limit_period: 'daily' });
    const reserve = (ref: string, now_ms = T0) => store.reserve(reserveRequest(accountId, key, { external_ref: `call:${ref}`, now_ms }), iso(now_ms));
    expect((await reserve('a')).ok).toBe(true);
    expect((await reserve('b')).ok).toBe(true);
    expect(await reserve('c')).toMatchObject({ ok: false, reason: 'spend_limit_reached', spent_micros: 2000 });
    const refund = () =>
      store.applyLedger(
        { account_id: accountId, kind: 'refund', amount_micros: 1000, reason: 'upstream 502', external_ref: 'refund:b', key_id: key.id },
        iso(T0 + 1),
      );
    expect(await refund()).toMatchObject({ ok: true, applied: true, balance_micros: 9000 });
    expect(await refund()).toMatchObject({ ok: true, applied: false, balance_micros: 9000 });
    expect((await store.getKey(accountId, key.id))!.spent_micros).toBe(1000);
    expect((await reserve('d')).ok).toBe(true);
    // A refund after the period ended leaves the new period's spend alone.
    const tomorrow = T0 + DAY;
    expect((await reserve('e', tomorrow)).ok).toBe(true);
    await store.applyLedger(
      { account_id: accountId, kind: 'refund', amount_micros: 1000, reason: 'late', external_ref: 'refund:x', key_id: key.id },
      iso(T0 + 2 * DAY),
    );
    expect((await store.getKey(accountId, key.id))!.spent_micros).toBe(1000);
  });

  it.skipIf(skip)('keeps each reservation open until it is settled or refunded, exactly once, with its usage in the same change', async () => {
    const { accountId, key } = await account(10_000, { spend_limit_micros: 8000, spend_limit_period: 'daily' });
    const reserve = (ref: string, now_ms = T0) =>
      store.reserve(reserveRequest(accountId, key, { external_ref: `call:${ref}`, now_ms, reason: 'reliapi/llm', endpoint: 'llm' }), iso(now_ms));
    const usage = (overrides: Partial<UsageEvent> = {}): UsageEvent => usageEvent(accountId, key.id, overrides);
    // Other tests of this store reserve too: only this account's open calls are looked at.
    const openCalls = async (before: number) => (await store.listOpenCalls(before, 1000)).filter((call) => call.account_id === accountId);
    for (const ref of ['kept', 'refunded', 'late', 'answered', 'forwarded', 'young'])
      expect((await reserve(ref, ref === 'young' ? T0 + 60_000 : T0)).ok).toBe(true);
    expect((await store.getKey(accountId, key.id))!.spent_micros).toBe(6000);
    const open = await openCalls(T0 + 1);
    expect(open.map((call) => call.ref).sort()).toEqual(['call:answered', 'call:forwarded', 'call:kept', 'call:late', 'call:refunded']);
    expect(open.find((call) => call.ref === 'call:kept')).toEqual({
      account_id: accountId,
      ref: 'call:kept',
      state: 'reserved',
      upstream_status: null,
      reserved_ms: T0,
      price_micros: 1000,
      key_id: key.id,
      product_id: 'reliapi',
      endpoint: 'llm',
    });

    // State changes and a kept call travel in one batch.
    await store.settleCalls(
      [
        { account_id: accountId, ref: 'call:answered', state: 'answered', upstream_status: 201 },
        { account_id: accountId, ref: 'call:forwarded', state: 'forwarded' },
      ],
      [{ ref: 'call:kept', usage: usage() }],
    );
    const states = Object.fromEntries((await openCalls(T0 + 1)).map((call) => [call.ref, [call.state, call.upstream_status]]));
    expect(states).toEqual({
      'call:answered': ['answered', 201],
      'call:forwarded': ['forwarded', null],
      'call:late': ['reserved', null],
      'call:refunded': ['reserved', null],
    });

    // A refund: the entry, the spend given back, the usage, the reservation closed; once.
    const refund = (ref: string, only_states?: Array<'reserved' | 'forwarded' | 'answered'>) =>
      store.refundCall(
        { ref: `call:${ref}`, reason: 'reliapi/llm refunded: upstream_error', usage: usage({ upstream_status: 502 }), ...(only_states ? { only_states } : {}) },
        iso(T0 + 5),
      );
    expect(await refund('refunded')).toMatchObject({
      outcome: 'refunded',
      balance_micros: 5000,
      entry: { kind: 'refund', amount_micros: 1000, external_ref: 'refund:refunded' },
    });
    expect(await refund('refunded')).toEqual({ outcome: 'settled' });
    expect(await refund('kept')).toEqual({ outcome: 'settled' });
    expect(await refund('answered', ['reserved', 'forwarded'])).toEqual({ outcome: 'skipped', state: 'answered', upstream_status: 201 });
    expect((await store.getKey(accountId, key.id))!.spent_micros).toBe(5000);

    // A settlement after a refund (a late instance after the reconciler) writes nothing.
    await store.settleCalls(
      [{ account_id: accountId, ref: 'call:refunded', state: 'answered', upstream_status: 200 }],
      [{ ref: 'call:refunded', usage: usage() }],
    );
    expect((await store.getUsage(accountId, '2026-03-04', '2026-03-04'))[0]).toMatchObject({ requests: 2, errors: 1, cost_micros: 1000, latency_ms_total: 14 });
    expect((await store.listUsageEvents(accountId, 10)).map((event) => [event.cost_micros, event.upstream_status])).toEqual([
      [0, 502],
      [1000, 200],
    ]);

    // Racing settlers of one call: exactly one refund.
    const raced = await Promise.all([
      refund('late'),
      refund('late'),
      backend.open().refundCall({ ref: 'call:late', reason: 'r', usage: usage() }, iso(T0 + 6)),
    ]);
    expect(raced.filter((result) => result.outcome === 'refunded')).toHaveLength(1);
    expect(await store.sumLedger(accountId)).toBe((await store.getAccount(accountId))!.balance_micros);
    expect((await openCalls(T0 + 1)).map((call) => call.ref).sort()).toEqual(['call:answered', 'call:forwarded']);
    expect((await openCalls(T0 + 120_000)).map((call) => call.ref).sort()).toEqual(['call:answered', 'call:forwarded', 'call:young']);
  });

  it.skipIf(skip)('closes calls settled out of order, while older ones are in flight, and another instance sees exactly the calls left open', async () => {
    const { accountId, key } = await account(100_000);
    const reserve = (ref: string) => store.reserve(reserveRequest(accountId, key, { external_ref: `call:${ref}`, endpoint: 'llm' }), iso(T0));
    const usage = (): UsageEvent => usageEvent(accountId, key.id);
    const settle = (on: Store, ...refs: string[]) =>
      on.settleCalls(
        [],
        refs.map((ref) => ({ ref: `call:${ref}`, usage: usage() })),
      );
    const openOn = async (on: Store) =>
      (await on.listOpenCalls(T0 + 1, 1000))
        .filter((call) => call.account_id === accountId)
        .map((call) => call.ref.slice(5))
        .sort();
    for (const ref of ['a', 'b', 'c', 'd', 'e', 'f']) expect((await reserve(ref)).ok).toBe(true);

    await settle(store, 'b', 'd'); // a, the oldest, still in flight
    expect(await openOn(store)).toEqual(['a', 'c', 'e', 'f']);
    await settle(store, 'a', 'a'); // a batch may carry one call twice: it counts once
    expect(await openOn(store)).toEqual(['c', 'e', 'f']);

    // Another instance (a second process, or this one restarted) sees the same open calls and settles one of them.
    const other = backend.open();
    expect(await openOn(other)).toEqual(['c', 'e', 'f']);
    await settle(other, 'c');
    expect(await other.refundCall({ ref: 'call:b', reason: 'late', usage: usage() }, iso(T0 + 5))).toEqual({ outcome: 'settled' });
    expect(await openOn(store)).toEqual(['e', 'f']);
    // The first instance then settles what the other closed (nothing happens) and the rest.
    await settle(store, 'c', 'e');
    expect(await store.refundCall({ ref: 'call:f', reason: 'upstream_error', usage: usage() }, iso(T0 + 5))).toMatchObject({ outcome: 'refunded' });
    expect(await openOn(other)).toEqual([]);
    expect(await openOn(store)).toEqual([]);

    const events = await store.listUsageEvents(accountId, 100);
    expect(events.filter((event) => event.cost_micros === 1000)).toHaveLength(5); // a b c d e, once each
    expect(await store.sumLedger(accountId)).toBe((await store.getAccount(accountId))!.balance_micros);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(100_000 - 5 * 1000);

    // Later calls open and close as before.
    expect((await reserve('g')).ok).toBe(true);
    expect(await openOn(other)).toEqual(['g']);
  });

  it.skipIf(skip)('ping answers', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
});

describe.skipIf(skipRedis)('RedisStore specifics', () => {
  /** Runs `check` with a new account holding 5,000 micro-USD, its key, the store and a raw client; cleans up after. */
  async function withFundedAccount(
    check: (fixture: { store: RedisStore; raw: Redis; key: ReturnType<typeof newKey>; account: { id: string } }) => Promise<void>,
  ) {
    const backend = redisBackend();
    const raw = new Redis(REDIS_URL);
    try {
      const store = backend.open() as RedisStore;
      const key = newKey();
      const { account } = await store.register({ id: randomInt(1, 2 ** 47) }, key, iso(T0));
      await store.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: 5000, reason: 'seed', external_ref: 'seed' }, iso(T0));
      await check({ store, raw, key, account });
    } finally {
      await raw.quit();
      await backend.cleanup();
    }
  }

  it('register waits out a claim whose owner never wrote the account, then takes over', async () => {
    const backend = redisBackend();
    try {
      const store = backend.open() as RedisStore;
      const raw = new Redis(REDIS_URL);
      const telegramId = randomInt(1, 2 ** 47);
      await raw.set(`${store.prefix}tg:${telegramId}`, 'pending:acc_GHOST', 'PX', 300);
      const started = Date.now();
      const [a, b] = await Promise.all([store.register({ id: telegramId }, newKey(), iso(T0)), store.register({ id: telegramId }, newKey(), iso(T0))]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      expect([a.created, b.created].sort()).toEqual([false, true]);
      expect(a.account.id).toBe(b.account.id);
      expect(await raw.get(`${store.prefix}tg:${telegramId}`)).toBe(a.account.id);
      await raw.quit();
    } finally {
      await backend.cleanup();
    }
  });

  it('keeps every key of an account under its hash tag, with a TTL on rate-limit counters and usage days', () =>
    withFundedAccount(async ({ store, raw, key, account }) => {
      await store.reserve(
        {
          account_id: account.id,
          key_id: key.id,
          hash: key.hash,
          now_ms: T0,
          rate_limits: [{ bucket: 'account', limit: 5, window_ms: 60_000 }],
          product_id: 'p',
          price_micros: 10,
          external_ref: 'call:1',
          reason: 'r',
        },
        iso(T0),
      );
      await store.recordUsage([
        { account_id: account.id, key_id: key.id, product_id: 'p', endpoint: '/', cost_micros: 10, upstream_status: 200, latency_ms: 1, at: iso(T0) },
      ]);
      const keys = (await raw.keys(`${store.prefix}{${account.id}}:*`)).map((k) => k.slice(store.prefix.length + account.id.length + 3)).sort();
      expect(keys).toEqual(['account', 'calls', 'events', `key:${key.id}`, 'keys', 'ledger', 'ledger_refs', 'rl', 'usage:2026-03-04']);
      const slots = new Set(
        await Promise.all(keys.map((k) => raw.call('CLUSTER', 'KEYSLOT', `${store.prefix}{${account.id}}:${k}`).catch(() => 'no-cluster'))),
      );
      expect(slots.size).toBe(1);
      const rateTtl = await raw.pttl(`${store.prefix}{${account.id}}:rl`);
      expect(rateTtl).toBeGreaterThan(0);
      expect(rateTtl).toBeLessThanOrEqual(60_000);
      const usageTtl = await raw.ttl(`${store.prefix}{${account.id}}:usage:2026-03-04`);
      expect(usageTtl).toBeGreaterThan(399 * 86_400);
    }));

  it('indexes accounts with open calls outside the hot path, and drops an account only once nothing can be open under its index write', () =>
    withFundedAccount(async ({ store, raw, key, account }) => {
      const index = `${store.prefix}calls:accounts`;
      const reserve = (ref: string, now_ms: number) =>
        store.reserve(
          reserveRequest(account.id, key, { now_ms, product_id: 'p', price_micros: 10, external_ref: `call:${ref}`, reason: 'p/e', endpoint: 'e' }),
          iso(now_ms),
        );
      const settle = (ref: string) =>
        store.settleCalls(
          [],
          [
            {
              ref: `call:${ref}`,
              usage: usageEvent(account.id, key.id, { product_id: 'p', endpoint: 'e', cost_micros: 10, latency_ms: 1 }),
            },
          ],
        );
      expect((await reserve('a', T0)).ok).toBe(true);
      expect((await reserve('b', T0 + 1000)).ok).toBe(true);
      expect(await raw.zscore(index, account.id)).toBe(String(T0)); // once per account per 10 minutes, not per call
      expect((await store.listOpenCalls(T0 + 2000, 10)).map((call) => call.ref).sort()).toEqual(['call:a', 'call:b']);
      await settle('a');
      await settle('b');
      await store.listOpenCalls(T0 + 5 * 60_000, 10);
      expect(await raw.zscore(index, account.id)).toBe(String(T0)); // a call may still be reserved under this write
      await store.listOpenCalls(T0 + 11 * 60_000, 10);
      expect(await raw.zscore(index, account.id)).toBeNull();
      expect((await reserve('c', T0 + 20 * 60_000)).ok).toBe(true);
      expect(await raw.zscore(index, account.id)).toBe(String(T0 + 20 * 60_000));
      expect((await store.listOpenCalls(T0 + 30 * 60_000, 10)).map((call) => call.ref)).toEqual(['call:c']);
    }));

  it("keeps an account's rate windows in one hash whose expiry only grows, and drops a revoked key's windows", () =>
    withFundedAccount(async ({ store, raw, key, account }) => {
      const windows = `${store.prefix}{${account.id}}:rl`;
      const HOUR = 3_600_000;
      const rules = [
        { bucket: `key:${key.id}`, limit: 10, window_ms: HOUR },
        { bucket: 'product:p', limit: 10, window_ms: 60_000 },
      ];
      const call = (n: number, at: number) =>
        store.reserve(
          {
            account_id: account.id,
            key_id: key.id,
            hash: key.hash,
            now_ms: at,
            rate_limits: rules,
            product_id: 'p',
            price_micros: 1,
            external_ref: `call:${n}`,
            reason: 'r',
          },
          iso(at),
        );
      // T0 is a whole hour: both windows start at T0, and the hour's expiry is set.
      expect((await call(1, T0)).ok).toBe(true);
      expect(await raw.pttl(windows)).toBeGreaterThan(60_000);
      // A minute later the product's window starts again; the hour's counter must outlive it.
      const later = await call(2, T0 + 61_000);
      expect(later.ok && later.rate_limits.map((state) => state.remaining)).toEqual([8, 9]);
      expect(await raw.pttl(windows)).toBeGreaterThan(60_000);
      expect(await raw.hget(windows, `key:${key.id}:c`)).toBe('2');
      await store.revokeKey(account.id, key.id, iso(T0 + 62_000));
      expect((await raw.hkeys(windows)).sort()).toEqual(['product:p:c', 'product:p:s']);
    }));
});

describe.skipIf(skipRedis)('both adapters return the same bytes', () => {
  /** Runs one fixed scenario and returns every result as JSON, generated ids replaced in order of appearance. */
  async function scenario(store: Store): Promise<string> {
    const results: unknown[] = [];
    const record = <T>(value: T): T => {
      results.push(value);
      return value;
    };
    const key: NewKey = {
      id: 'key_FIXED',
      name: 'main ☕',
      prefix: 'kik_abcd',
      last_four: 'wxyz',
      hash: sha256('fixed-secret'),
      spend_limit_micros: 5000,
      spend_limit_period: 'weekly',
      allowed_products: ['reliapi'],
    };
    const registered = record(await store.register({ id: 424242, username: 'zoë', first_name: null, language_code: 'de' }, key, iso(T0)));
    const accountId = registered.account.id;
    record(await store.setLowBalanceThreshold(accountId, 2500));
    record(
      await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 4000, reason: 'Stars top-up «50»', external_ref: 'charge_1' }, iso(T0)),
    );
    record(await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 4000, reason: 'again', external_ref: 'charge_1' }, iso(T0)));
    const rules = [{ bucket: 'key:key_FIXED', limit: 6, window_ms: 10_000 }];
    const reserve = (overrides: Partial<ReserveRequest>) =>
      store.reserve(
        {
          account_id: accountId,
          key_id: key.id,
          hash: key.hash,
          now_ms: T0 + 1,
          rate_limits: rules,
          product_id: 'reliapi',
          price_micros: 1000,
          external_ref: `call:${results.length}`,
          reason: 'reliapi call',
          ...overrides,
        },
        iso(T0 + 1),
      );
    record(await reserve({}));
    record(await reserve({ product_id: 'routellm' }));
    record(await reserve({ price_micros: 2000 }));
    record(await reserve({ price_micros: 1000 }));
    record(await reserve({ price_micros: 2000 })); // spend limit: 4,000 + 2,000 > 5,000
    record(await reserve({})); // within the spend limit, but the balance is 0
    record(await reserve({})); // the 7th request of the window
    record(await store.authorize({ account_id: accountId, key_id: key.id, hash: key.hash, now_ms: T0 + 2, rate_limits: rules }));
    record(
      await store.applyLedger(
        { account_id: accountId, kind: 'refund', amount_micros: 2000, reason: 'upstream 503', external_ref: 'refund:x', key_id: key.id },
        iso(T0 + 3),
      ),
    );
    record(
      await store.applyLedger(
        { account_id: accountId, kind: 'debit', amount_micros: -9000, reason: 'chargeback', external_ref: 'cb', on_insufficient: 'clamp_and_suspend' },
        iso(T0 + 4),
      ),
    );
    record(await store.getAccount(accountId));
    record(
      await store.createKey(
        accountId,
        { id: 'key_SECOND', name: 'two', prefix: 'kik_2', last_four: '2222', hash: sha256('second'), expires_at: iso(T0 + DAY) },
        5,
        iso(T0 + 5),
      ),
    );
    record(await store.updateKey(accountId, 'key_SECOND', { enabled: false, allowed_products: ['a', 'b'] }));
    record(await store.rotateKey(accountId, key.id, { hash: sha256('third'), prefix: 'kik_3', last_four: '3333' }, iso(T0 + 60_000)));
    await store.touchKeys([{ account_id: accountId, key_id: key.id, at: iso(T0 + 6) }]);
    record(await store.listKeys(accountId));
    record(await store.revokeKey(accountId, 'key_SECOND', iso(T0 + 7)));
    record(await store.listLedger(accountId, { limit: 2 }));
    const first = await store.listLedger(accountId, { limit: 3 });
    record(await store.listLedger(accountId, { limit: 3, cursor: first.next_cursor }));
    await store.recordUsage([
      { account_id: accountId, key_id: key.id, product_id: 'reliapi', endpoint: '/v1/a', cost_micros: 1000, upstream_status: 200, latency_ms: 12, at: iso(T0) },
      { account_id: accountId, key_id: key.id, product_id: 'reliapi', endpoint: '/v1/a', cost_micros: 0, upstream_status: 503, latency_ms: 40, at: iso(T0) },
    ]);
    record(await store.getUsage(accountId, '2026-03-01', '2026-03-31'));
    record(await store.listUsageEvents(accountId, 10));
    const topup: Topup = {
      id: 'top_FIXED',
      account_id: accountId,
      method: 'paddle',
      amount_micros: 10_000_000,
      stars: null,
      status: 'pending',
      checkout_url: 'https://pay/x',
      invoice_link: null,
      provider_ref: null,
      ledger_entry_id: null,
      created_at: iso(T0),
      completed_at: null,
    };
    record(await store.createTopup(topup));
    record(await store.updateTopup('top_FIXED', { status: 'completed', provider_ref: 'txn_1' }));
    record(await store.claimIdempotent('s', 'k', 'f', 60));
    record(await store.claimIdempotent('s', 'k', 'f', 60));
    record(await store.markSeen('n', 'i', 60));
    const ids = new Map<string, string>();
    return JSON.stringify(results).replace(/(acc|led)_[0-9A-Z]{26}/g, (id) => {
      if (!ids.has(id)) ids.set(id, `<id${ids.size}>`);
      return ids.get(id)!;
    });
  }

  it('runs one scenario on SQLite and Redis with identical JSON results', async () => {
    const sqlite = sqliteBackend();
    const redis = redisBackend();
    try {
      const fromSqlite = await scenario(sqlite.open());
      const fromRedis = await scenario(redis.open());
      expect(fromRedis).toBe(fromSqlite);
      expect(fromSqlite).toContain('"reason":"spend_limit_reached","limit_micros":5000,"spent_micros":4000,"period":"weekly"');
      expect(fromSqlite).toContain('"reason":"product_not_allowed"');
      expect(fromSqlite).toContain('{"ok":false,"reason":"insufficient_funds","balance_micros":0,"price_micros":1000}');
      expect(fromSqlite).toContain('"reason":"rate_limited"');
    } finally {
      await sqlite.cleanup();
      await redis.cleanup();
    }
  });
});
