/**
 * Revisions are never reused (issue 13, item 4). Two store instances share one store;
 * instance A caches a key at a revision, the store then loses its last writes (Redis:
 * `appendfsync everysec`, a lagging replica, a restore — emulated with DUMP/RESTORE of
 * the account's keys), and a later change through instance B (a revocation) must still be
 * seen by A's very next request.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { REDIS_URL, STORE_KINDS } from '@kikuai/testkit/stores';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { newKey, reserveRequest } from '../support/store.js';

const NOW = Date.parse('2026-03-04T10:00:00.000Z');
const iso = new Date(NOW).toISOString();

/** Two instances on one store, and a way to put the account's stored state back as it was. */
interface Pair {
  a: Store;
  b: Store;
  /** Captures the account's stored state; the returned function writes it back (the "lost writes"). */
  capture(accountId: string, keyId: string): Promise<() => Promise<void>>;
  cleanup(): Promise<void>;
}

function redisPair(): Pair {
  const keyPrefix = uniqueRedisPrefix();
  const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)];
  const [a, b] = clients.map((client) => new RedisStore(client, { keyPrefix })) as [RedisStore, RedisStore];
  const raw = clients[0]!;
  return {
    a,
    b,
    async capture(accountId, keyId) {
      const names = ['account', 'keys', `key:${keyId}`, 'rl', 'ledger', 'ledger_refs'].map((part) => `${keyPrefix}{${accountId}}:${part}`);
      const dumps = await Promise.all(names.map((name) => raw.dumpBuffer(name)));
      return async () => {
        for (const [index, name] of names.entries()) {
          const dump = dumps[index];
          if (dump) await raw.restore(name, 0, dump, 'REPLACE');
          else await raw.del(name);
        }
      };
    },
    async cleanup() {
      await deleteRedisPrefix(raw, keyPrefix);
      for (const client of clients) await client.quit();
    },
  };
}

function sqlitePair(): Pair {
  const directory = mkdtempSync(join(tmpdir(), 'kikuai-revisions-'));
  const file = join(directory, 'kikuai.db');
  const a = new SqliteStore(file);
  const b = new SqliteStore(file);
  const raw = new Database(file);
  raw.pragma('busy_timeout = 5000');
  return {
    a,
    b,
    async capture(accountId, keyId) {
      const account = raw.prepare('SELECT * FROM accounts WHERE id = ?').get(accountId) as Record<string, unknown>;
      const key = raw.prepare('SELECT * FROM api_keys WHERE id = ?').get(keyId) as Record<string, unknown>;
      return async () => {
        // The key's row first (its triggers revise the account), then the account's row with its old revision.
        const keyColumns = Object.keys(key).filter((column) => column !== 'id');
        raw.prepare(`UPDATE api_keys SET ${keyColumns.map((column) => `${column} = @${column}`).join(', ')} WHERE id = @id`).run(key);
        const accountColumns = Object.keys(account).filter((column) => column !== 'id');
        raw.prepare(`UPDATE accounts SET ${accountColumns.map((column) => `${column} = @${column}`).join(', ')} WHERE id = @id`).run(account);
      };
    },
    async cleanup() {
      raw.close();
      await a.close();
      await b.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

describe.each(STORE_KINDS)('revisions after a rollback: %s', (kind) => {
  const pairs: Pair[] = [];
  const open = () => {
    const pair = kind === 'redis' ? redisPair() : sqlitePair();
    pairs.push(pair);
    return pair;
  };
  afterAll(async () => {
    for (const pair of pairs) await pair.cleanup();
  });

  it('a key revoked after the store lost a change is refused by the instance that cached the lost change', async () => {
    // Given an account with a funded key, and instance A's snapshot of it
    const { a, b, capture } = open();
    const key = newKey();
    const { account } = await a.register({ id: randomInt(1, 2 ** 47), username: 'ada' }, key, iso);
    await a.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: 1_000_000, reason: 'seed', external_ref: 'seed:1' }, iso);
    const request = { account_id: account.id, key_id: key.id, hash: key.hash, now_ms: NOW, rate_limits: [] };
    expect((await a.authorize(request)).ok).toBe(true);
    const restore = await capture(account.id, key.id);

    // When a change through B is cached by A, then lost by the store
    expect(await b.updateKey(account.id, key.id, { name: 'renamed' })).not.toBeNull();
    const cached = await a.authorize(request);
    expect(cached.ok && cached.key.name).toBe('renamed');
    await restore();
    expect((await b.getKey(account.id, key.id))?.name).toBe('default');

    // And B then revokes the key
    expect(await b.revokeKey(account.id, key.id, iso)).not.toBeNull();

    // Then A refuses it on its very next request, and charges nothing
    expect(await a.authorize(request)).toEqual({ ok: false, reason: 'key_revoked' });
    const reserve = await a.reserve({ ...request, product_id: 'reliapi', price_micros: 1000, external_ref: 'call:after-revoke', reason: 'call' }, iso);
    expect(reserve).toEqual({ ok: false, reason: 'key_revoked' });
    expect((await b.getAccount(account.id))?.balance_micros).toBe(1_000_000);
  });

  it('a key disabled after a lost change is refused by an instance whose snapshot is from the hot path', async () => {
    // Given instance A reserving with a snapshot taken after a change the store then loses
    const { a, b, capture } = open();
    const key = newKey();
    const { account } = await a.register({ id: randomInt(1, 2 ** 47), username: 'ada' }, key, iso);
    await a.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: 1_000_000, reason: 'seed', external_ref: 'seed:1' }, iso);
    const request = reserveRequest(account.id, key, { reason: 'call' });
    const restore = await capture(account.id, key.id);
    expect(await b.updateKey(account.id, key.id, { spend_limit_micros: 500_000 })).not.toBeNull();
    expect((await a.reserve({ ...request, external_ref: 'call:1' }, iso)).ok).toBe(true);
    await restore();

    // When B disables the key
    expect((await b.updateKey(account.id, key.id, { enabled: false }))?.enabled).toBe(false);

    // Then A's next call is refused and charges nothing
    expect(await a.reserve({ ...request, external_ref: 'call:2' }, iso)).toEqual({ ok: false, reason: 'key_disabled' });
    expect((await b.getAccount(account.id))?.balance_micros).toBe(1_000_000);
  });
});
