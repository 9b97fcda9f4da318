/**
 * Group commit on the embedded store (group-commit.ts): the reservations made in one
 * turn of the event loop share one SQLite transaction. Each must still answer for
 * itself: one that fails inside the transaction is undone alone (its balance change
 * too), the others commit, and every committed call can be settled or refunded as if
 * it had been reserved on its own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit } from '../../src/store/group-commit.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { newKey, reserveRequest, T0, usageEvent } from '../support/store.js';

const iso = new Date(T0).toISOString();

describe('SQLite reservations, committed in groups', () => {
  let directory: string;
  let file: string;
  let store: SqliteStore;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'kikuai-group-commit-'));
    file = join(directory, 'kikuai.db');
    store = new SqliteStore(file);
  });
  afterEach(async () => {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  });

  async function fundedAccount(balance: number) {
    const key = newKey();
    const { account } = await store.register({ id: 4242, username: 'ada' }, key, iso);
    await store.applyLedger({ account_id: account.id, kind: 'credit', amount_micros: balance, reason: 'seed', external_ref: 'seed' }, iso);
    return { accountId: account.id, key };
  }

  it('answers each reservation of one turn for itself: a failing one is undone alone, a replay finds its twin', async () => {
    const { accountId, key } = await fundedAccount(10_000);
    const first = reserveRequest(accountId, key, { price_micros: 1000 });
    // A reason SQLite cannot bind fails after the balance was changed inside the transaction.
    const broken = reserveRequest(accountId, key, { price_micros: 1000, reason: { not: 'text' } as unknown as string });
    const third = reserveRequest(accountId, key, { price_micros: 1000 });
    const [a, b, c, replay, poor] = await Promise.allSettled([
      store.reserve(first, iso),
      store.reserve(broken, iso),
      store.reserve(third, iso),
      store.reserve({ ...first }, iso),
      store.reserve(reserveRequest(accountId, key, { price_micros: 9000 }), iso),
    ]);

    expect(a).toMatchObject({ status: 'fulfilled', value: { ok: true, balance_micros: 9000 } });
    expect(b.status).toBe('rejected');
    expect(c).toMatchObject({ status: 'fulfilled', value: { ok: true, balance_micros: 8000 } });
    // The same external_ref in the same batch: the first one's entry, not a second charge.
    expect(replay.status === 'fulfilled' && replay.value.ok && a.status === 'fulfilled' && a.value.ok && replay.value.entry.id === a.value.entry.id).toBe(true);
    expect(poor).toMatchObject({ status: 'fulfilled', value: { ok: false, reason: 'insufficient_funds', balance_micros: 8000 } });

    expect((await store.getAccount(accountId))!.balance_micros).toBe(8000);
    expect(await store.sumLedger(accountId)).toBe(8000);
    const raw = new Database(file, { readonly: true });
    try {
      const seqs = raw.prepare('SELECT seq FROM ledger WHERE account_id = ? ORDER BY seq').pluck().all(accountId);
      expect(seqs).toEqual([1, 2, 3]); // the seed and two debits, no gap where the failed one was undone
      expect(raw.prepare('SELECT ledger_seq, open_calls FROM accounts WHERE id = ?').get(accountId)).toEqual({ ledger_seq: 3, open_calls: 2 });
    } finally {
      raw.close();
    }

    // Both committed calls are this store object's open calls: one is kept, one refunded, once each.
    await store.settleCalls([], [{ ref: first.external_ref, usage: usageEvent(accountId, key.id, { cost_micros: 1000 }) }]);
    const refund = { ref: third.external_ref, reason: 'upstream failed', usage: usageEvent(accountId, key.id) };
    expect(await store.refundCall(refund, iso)).toMatchObject({ outcome: 'refunded', balance_micros: 9000 });
    expect(await store.refundCall(refund, iso)).toEqual({ outcome: 'settled' });
    expect(await store.refundCall({ ...refund, ref: first.external_ref }, iso)).toEqual({ outcome: 'settled' });
    expect(await store.listOpenCalls(T0 + 3_600_000, 10)).toEqual([]);
    expect(await store.sumLedger(accountId)).toBe(9000);
  });

  it('commits and answers the reservations still waiting when the store closes', async () => {
    const { accountId, key } = await fundedAccount(5000);
    const waiting = store.reserve(reserveRequest(accountId, key, { price_micros: 2000 }), iso);
    await store.close();
    await expect(waiting).resolves.toMatchObject({ ok: true, balance_micros: 3000 });
    store = new SqliteStore(file);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(3000);
    expect(await store.sumLedger(accountId)).toBe(3000);
  });
});

describe('GroupCommit', () => {
  it('runs what was submitted in one turn as one batch, in order, and the next turn as another', async () => {
    const batches: number[][] = [];
    const group = new GroupCommit<number, number>((inputs) => {
      batches.push(inputs);
      return inputs.map((input) => ({ ok: true, value: input * 10 }));
    });
    const first = await Promise.all([group.submit(1), group.submit(2), group.submit(3)]);
    const second = await group.submit(4);
    expect(first).toEqual([10, 20, 30]);
    expect(second).toBe(40);
    expect(batches).toEqual([[1, 2, 3], [4]]);
  });

  it('rejects only the input that failed, and every input when the batch as a whole failed', async () => {
    const perInput = new GroupCommit<number, number>((inputs) =>
      inputs.map((input) => (input === 2 ? { ok: false, error: new Error('two failed') } : { ok: true, value: input })),
    );
    const answers = await Promise.allSettled([perInput.submit(1), perInput.submit(2), perInput.submit(3)]);
    expect(answers.map((answer) => answer.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);

    const whole = new GroupCommit<number, number>(() => {
      throw new Error('disk full');
    });
    const failed = await Promise.allSettled([whole.submit(1), whole.submit(2)]);
    expect(failed).toEqual([
      { status: 'rejected', reason: new Error('disk full') },
      { status: 'rejected', reason: new Error('disk full') },
    ]);
  });
});
