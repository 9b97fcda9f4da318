/**
 * Store additions for payments, on both adapters: `findLedgerEntry` (what a charge
 * credited, to refund it), the `refunded` top-up status, `completeTopup` (status and
 * credit in one atomic change), the global Stars charge record and payment incidents.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newKeyId, newTopupId } from '../../src/store/ids.js';
import { InvalidAmountError } from '../../src/store/logic.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { REDIS_URL, skipRedis } from '@kikuai/testkit/stores';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { pendingPaddleTopup } from '../support/store.js';

const NOW = '2026-03-04T10:00:00.000Z';

const adapters = [
  {
    name: 'sqlite',
    skip: false,
    open() {
      const directory = mkdtempSync(join(tmpdir(), 'kikuai-pay-store-'));
      const store = new SqliteStore(join(directory, 'kikuai.db'));
      return {
        store,
        cleanup: async () => {
          await store.close();
          rmSync(directory, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: 'redis',
    skip: skipRedis,
    open() {
      const keyPrefix = uniqueRedisPrefix();
      const client = new Redis(REDIS_URL);
      const store = new RedisStore(client, { keyPrefix });
      return {
        store,
        cleanup: async () => {
          await deleteRedisPrefix(client, keyPrefix);
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
    const { account: created } = await store.register(
      { id: randomInt(1, 2 ** 47) },
      { id: newKeyId(), name: 'default', prefix: 'kik_abcd', last_four: secret.slice(-4), hash: secret.padEnd(64, '0') },
      NOW,
    );
    return created;
  }

  it.skipIf(skip)('findLedgerEntry returns the entry written under a reference, per account', async () => {
    const first = await account();
    const other = await account();
    const credit = await store.applyLedger(
      { account_id: first.id, kind: 'credit', amount_micros: 2_600_000, reason: 'stars', external_ref: 'stars:charge-1' },
      NOW,
    );
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
    await store.createTopup({
      id,
      account_id: owner.id,
      method: 'stars',
      amount_micros: 1_300_000,
      stars: 100,
      status: 'completed',
      checkout_url: null,
      invoice_link: 'https://t.me/$x',
      provider_ref: 'a b',
      ledger_entry_id: null,
      created_at: NOW,
      completed_at: NOW,
    });
    expect(await store.updateTopup(id, { status: 'refunded' })).toMatchObject({ id, status: 'refunded', provider_ref: 'a b' });
    expect((await store.getTopup(id))?.status).toBe('refunded');
  });

  const credit = (amount: number, ref: string) => ({ amount_micros: amount, reason: 'Card top-up', external_ref: ref });

  it.skipIf(skip)('completeTopup moves pending → completed with its credit once, however many payments complete it, concurrently too', async () => {
    const owner = await account();
    const topup = await store.createTopup(pendingPaddleTopup(owner.id, 5_000_000, NOW));
    const results = await Promise.all(
      ['paddle:txn_1', 'paddle:txn_1', 'paddle:txn_other', 'paddle:txn_third'].map((ref) =>
        store.completeTopup({ topup_id: topup.id, credit: credit(5_000_000, ref) }, NOW),
      ),
    );
    const applied = results.filter((result) => result.ok && result.applied);
    expect(applied).toHaveLength(1);
    expect(
      results.filter((result) => result.ok && !result.applied).every((result) => result.ok && !result.applied && result.reason === 'already_completed'),
    ).toBe(true);
    expect((await store.getAccount(owner.id))!.balance_micros).toBe(5_000_000);
    expect(await store.sumLedger(owner.id)).toBe(5_000_000);
    const done = applied[0]!;
    expect(done.ok && done.applied && done.topup).toMatchObject({ id: topup.id, status: 'completed', provider_ref: 'txn_1', completed_at: NOW });
    const stored = (await store.getTopup(topup.id))!;
    expect(stored.ledger_entry_id).toBe(done.ok && done.applied ? done.entry.id : '');
    expect(done.ok && done.applied && done.entry).toMatchObject({ kind: 'credit', amount_micros: 5_000_000, balance_after_micros: 5_000_000 });
  });

  it.skipIf(skip)('completeTopup refuses a credit past the balance ceiling inside the change: nothing credited, the top-up still pending', async () => {
    const owner = await account();
    const nearCeiling = 1_000_000_000_000 - 1_000_000; // the default ceiling ($1,000,000) less $1
    expect(
      await store.applyLedger({ account_id: owner.id, kind: 'adjustment', amount_micros: nearCeiling, reason: 'operator', external_ref: 'setup' }, NOW),
    ).toMatchObject({ ok: true, applied: true });
    const topup = await store.createTopup(pendingPaddleTopup(owner.id, 5_000_000, NOW));
    const refused = await store.completeTopup({ topup_id: topup.id, credit: credit(5_000_000, 'paddle:txn_1') }, NOW);
    expect(refused).toEqual({ ok: false, reason: 'balance_limit_exceeded', balance_micros: nearCeiling, limit_micros: 1_000_000_000_000 });
    expect((await store.getTopup(topup.id))!.status).toBe('pending');
    expect(await store.findLedgerEntry(owner.id, 'paddle:txn_1')).toBeNull();
    expect(await store.sumLedger(owner.id)).toBe(nearCeiling);
    // Exactly up to the ceiling is allowed.
    const fits = await store.createTopup(pendingPaddleTopup(owner.id, 1_000_000, NOW));
    expect(await store.completeTopup({ topup_id: fits.id, credit: credit(1_000_000, 'paddle:txn_2') }, NOW)).toMatchObject({
      ok: true,
      applied: true,
      balance_micros: 1_000_000_000_000,
    });
  });

  it.skipIf(skip)('completeTopup credits nothing for a refunded top-up, and records provider_ref when asked', async () => {
    const owner = await account();
    const refunded = await store.createTopup({ ...pendingPaddleTopup(owner.id, 5_000_000, NOW), status: 'refunded' });
    const late = await store.completeTopup({ topup_id: refunded.id, credit: credit(5_000_000, 'paddle:late') }, NOW);
    expect(late).toMatchObject({ ok: true, applied: false, reason: 'already_completed', entry: null, balance_micros: 0 });
    const stars = await store.createTopup({ ...pendingPaddleTopup(owner.id, 1_300_000, NOW), method: 'stars', stars: 100, provider_ref: null });
    const paid = await store.completeTopup({ topup_id: stars.id, credit: credit(1_300_000, 'stars:charge-9'), provider_ref: 'charge-9' }, NOW);
    expect(paid.ok && paid.applied && paid.topup.provider_ref).toBe('charge-9');
    expect(await store.completeTopup({ topup_id: 'top_missing', credit: credit(1, 'x:1') }, NOW)).toEqual({ ok: false, reason: 'topup_not_found' });
    await expect(store.completeTopup({ topup_id: stars.id, credit: credit(0, 'x:2') }, NOW)).rejects.toThrow(InvalidAmountError);
    expect((await store.getAccount(owner.id))!.balance_micros).toBe(1_300_000);
  });

  it.skipIf(skip)(
    'completeTopup repairs a top-up whose credit landed before (older two-write crash, refund first): completed, nothing credited twice',
    async () => {
      const owner = await account();
      const topup = await store.createTopup(pendingPaddleTopup(owner.id, 5_000_000, NOW));
      // The state a crash between the old code's two writes left: the credit in, the top-up still pending.
      const landed = await store.applyLedger(
        { account_id: owner.id, kind: 'credit', amount_micros: 5_000_000, reason: 'Card top-up', external_ref: 'paddle:txn_1' },
        NOW,
      );
      const repaired = await store.completeTopup({ topup_id: topup.id, credit: credit(5_000_000, 'paddle:txn_1') }, '2026-03-04T11:00:00.000Z');
      expect(repaired).toMatchObject({ ok: true, applied: false, reason: 'repaired', balance_micros: 5_000_000 });
      expect(repaired.ok && repaired.topup).toMatchObject({ status: 'completed', ledger_entry_id: landed.ok ? landed.entry.id : '', completed_at: NOW });
      expect(await store.completeTopup({ topup_id: topup.id, credit: credit(5_000_000, 'paddle:txn_1') }, NOW)).toMatchObject({
        applied: false,
        reason: 'already_completed',
      });
      expect(await store.sumLedger(owner.id)).toBe(5_000_000);
    },
  );

  it.skipIf(skip)('a Stars charge belongs to the first account that claims it, across accounts and concurrent claims', async () => {
    const first = await account();
    const second = await account();
    const chargeId = `stxCharge${randomBytes(6).toString('hex')}`;
    const claims = await Promise.all(
      [first, second, first, second].map((owner) =>
        store.claimStarsCharge({ charge_id: chargeId, account_id: owner.id, topup_id: `top_of_${owner.id}`, created_at: NOW }),
      ),
    );
    expect(claims.filter((claim) => claim.claimed)).toHaveLength(1);
    const winner = claims.find((claim) => claim.claimed)!.charge;
    for (const claim of claims) expect(claim.charge).toEqual(winner);
    expect(await store.getStarsCharge(chargeId)).toEqual(winner);
    expect(await store.getStarsCharge('stxNever')).toBeNull();
  });

  it.skipIf(skip)('keeps each payment incident once, newest first', async () => {
    const base = randomBytes(4).toString('hex');
    const incident = (n: number) => ({
      id: `test:${base}:${n}`,
      kind: 'paddle_transaction_mismatch',
      account_id: null,
      topup_id: `top_${n}`,
      detail: `case ${n}`,
      created_at: NOW,
    });
    expect(await store.recordPaymentIncident(incident(1))).toBe(true);
    expect(await store.recordPaymentIncident(incident(2))).toBe(true);
    expect(await store.recordPaymentIncident({ ...incident(1), detail: 'again' })).toBe(false);
    const listed = (await store.listPaymentIncidents(100)).filter((item) => item.id.startsWith(`test:${base}:`));
    expect(listed).toEqual([incident(2), incident(1)]);
  });
});
