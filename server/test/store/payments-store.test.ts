/**
 * Store additions for payments, on both adapters: `findLedgerEntry` (what a charge
 * credited, to refund it) and the `refunded` top-up status.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKeyId, newTopupId } from '../../src/store/ids.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { REDIS_URL, redisIsReachable } from '../support/stores.js';

const NOW = '2026-03-04T10:00:00.000Z';

const adapters = [
  {
    name: 'sqlite',
    skip: false,
    open() {
      const directory = mkdtempSync(join(tmpdir(), 'kikuai-pay-store-'));
      const store = new SqliteStore(join(directory, 'kikuai.db'));
      return { store, cleanup: async () => { await store.close(); rmSync(directory, { recursive: true, force: true }); } };
    },
  },
  {
    name: 'redis',
    skip: !redisIsReachable && !process.env.CI,
    open() {
      const keyPrefix = `kikuai-test-${randomBytes(6).toString('hex')}:`;
      const client = new Redis(REDIS_URL);
      const store = new RedisStore(client, { keyPrefix });
      return {
        store,
        cleanup: async () => {
          const keys = await client.keys(`${keyPrefix}*`);
          if (keys.length) await client.del(...keys);
          await client.quit();
        },
      };
    },
  },
];

describe.each(adapters)('payments store additions: $name', ({ open, skip }) => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(() => {
    if (skip) return;
    ({ store, cleanup } = open());
  });
  afterAll(async () => {
    if (!skip) await cleanup();
  });

  async function account() {
    const secret = randomBytes(8).toString('hex');
    const { account: created } = await store.register({ id: randomInt(1, 2 ** 47) }, { id: newKeyId(), name: 'default', prefix: 'kik_abcd', last_four: secret.slice(-4), hash: secret.padEnd(64, '0') }, NOW);
    return created;
  }

  it.skipIf(skip)('findLedgerEntry returns the entry written under a reference, per account', async () => {
    const first = await account();
    const other = await account();
    const credit = await store.applyLedger({ account_id: first.id, kind: 'credit', amount_micros: 2_600_000, reason: 'stars', external_ref: 'stars:charge-1' }, NOW);
    expect(credit.ok && credit.applied).toBe(true);
    const found = await store.findLedgerEntry(first.id, 'stars:charge-1');
    expect(found).toMatchObject({ account_id: first.id, amount_micros: 2_600_000, external_ref: 'stars:charge-1', kind: 'credit' });
    expect(found!.id).toBe(credit.ok ? credit.entry.id : '');
    expect(await store.findLedgerEntry(first.id, 'stars:charge-2')).toBeNull();
    expect(await store.findLedgerEntry(other.id, 'stars:charge-1')).toBeNull();
  });

  it.skipIf(skip)('keeps a refunded top-up status', async () => {
    const owner = await account();
    const id = newTopupId();
    await store.createTopup({ id, account_id: owner.id, method: 'stars', amount_micros: 1_300_000, stars: 100, status: 'completed', checkout_url: null, invoice_link: 'https://t.me/$x', provider_ref: 'a b', ledger_entry_id: null, created_at: NOW, completed_at: NOW });
    expect(await store.updateTopup(id, { status: 'refunded' })).toMatchObject({ id, status: 'refunded', provider_ref: 'a b' });
    expect((await store.getTopup(id))?.status).toBe('refunded');
  });
});
