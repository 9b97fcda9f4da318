/**
 * Every amount bounded, inside the atomic change (issue 13, item 5), on both stores:
 * a change past the balance ceiling is refused with nothing changed, over-large or
 * fractional amounts never reach the stored values, and the checks hold inside the
 * atomic change itself (the Lua script; the SQLite transaction and its triggers), not
 * only in the TypeScript before it.
 */
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { newLedgerId, newTopupId } from '../../src/store/ids.js';
import { DEFAULT_MAX_BALANCE_MICROS, InvalidAmountError, MAX_CHANGE_MICROS } from '../../src/store/logic.js';
import { RedisStore } from '../../src/store/redis-store.js';
import { APPLY_LEDGER, RESERVE } from '../../src/store/redis-scripts.js';
import { MIGRATIONS } from '../../src/store/sqlite-schema.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/types.js';
import { REDIS_URL, STORE_KINDS } from '@kikuai/testkit/stores';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { newKey, pendingPaddleTopup, reserveRequest } from '../support/store.js';

const NOW = Date.parse('2026-03-04T10:00:00.000Z');
const iso = new Date(NOW).toISOString();
const MAX_SAFE = Number.MAX_SAFE_INTEGER; // 2^53 - 1
const STARS_AT_TODAYS_RATE = 8e11 * 13_000; // 8×10^11 Stars at 13,000 micro-USD a Star
const OUT_OF_BOUNDS = [MAX_SAFE, -MAX_SAFE, STARS_AT_TODAYS_RATE, 2 ** 64, MAX_CHANGE_MICROS + 1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 0];

interface Opened {
  store: Store;
  /** Redis: the raw client on the store's data; SQLite: a raw connection to its file. */
  redis?: Redis;
  sqlite?: Database.Database;
  prefix?: string;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
});

function opener(kind: 'sqlite' | 'redis') {
  return function open(options: { maxBalanceMicros?: number } = {}): Opened {
    if (kind === 'redis') {
      const prefix = uniqueRedisPrefix();
      const redis = new Redis(REDIS_URL);
      cleanups.push(async () => {
        await deleteRedisPrefix(redis, prefix);
        await redis.quit();
      });
      return { store: new RedisStore(redis, { keyPrefix: prefix, ...options }), redis, prefix };
    }
    const directory = mkdtempSync(join(tmpdir(), 'kikuai-bounds-'));
    const file = join(directory, 'kikuai.db');
    const store = new SqliteStore(file, options);
    const sqlite = new Database(file);
    cleanups.push(async () => {
      sqlite.close();
      await store.close();
      rmSync(directory, { recursive: true, force: true });
    });
    return { store, sqlite };
  };
}

async function account(store: Store, balance = 0) {
  const key = newKey();
  const { account: created } = await store.register({ id: randomInt(1, 2 ** 47), username: 'ada' }, key, iso);
  if (balance > 0) await store.applyLedger({ account_id: created.id, kind: 'credit', amount_micros: balance, reason: 'seed', external_ref: 'seed' }, iso);
  return { accountId: created.id, key };
}

async function state(store: Store, accountId: string) {
  return {
    balance: (await store.getAccount(accountId))!.balance_micros,
    sum: await store.sumLedger(accountId),
    entries: (await store.listLedger(accountId, { limit: 100 })).items.length,
  };
}

describe.each(STORE_KINDS)('amount bounds: %s', (kind) => {
  const open = opener(kind);

  it('refuses a credit past the default ceiling of $1,000,000 with nothing changed, and lets a decrease through', async () => {
    // Given an account $1 below the ceiling
    const { store } = open();
    const { accountId } = await account(store, DEFAULT_MAX_BALANCE_MICROS - 1_000_000);
    const before = await state(store, accountId);

    // When it is credited $2, as an operator credit and as a refund
    const credit = await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 2_000_000, reason: 'grant', external_ref: 'admin:1' }, iso);
    const refund = await store.applyLedger(
      { account_id: accountId, kind: 'refund', amount_micros: 2_000_000, reason: 'refund', external_ref: 'refund:1' },
      iso,
    );

    // Then both are refused, nothing is written and the reference stays free
    const refusal = {
      ok: false,
      reason: 'balance_limit_exceeded',
      balance_micros: DEFAULT_MAX_BALANCE_MICROS - 1_000_000,
      limit_micros: DEFAULT_MAX_BALANCE_MICROS,
    };
    expect(credit).toEqual(refusal);
    expect(refund).toEqual(refusal);
    expect(await state(store, accountId)).toEqual(before);
    expect(await store.findLedgerEntry(accountId, 'admin:1')).toBeNull();

    // And up to the ceiling exactly, and any decrease, still go through
    const exact = await store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 1_000_000, reason: 'grant', external_ref: 'admin:1' }, iso);
    expect(exact).toMatchObject({ ok: true, applied: true, balance_micros: DEFAULT_MAX_BALANCE_MICROS });
    const debit = await store.applyLedger({ account_id: accountId, kind: 'adjustment', amount_micros: -5, reason: 'fix', external_ref: 'admin:2' }, iso);
    expect(debit).toMatchObject({ ok: true, applied: true, balance_micros: DEFAULT_MAX_BALANCE_MICROS - 5 });
  });

  it('keeps the configured ceiling, and lets a balance above a lowered ceiling only go down', async () => {
    // Given an account with $8 and a store whose ceiling is then $5
    const generous = open();
    const { accountId } = await account(generous.store, 8_000_000);
    const strict =
      kind === 'redis'
        ? new RedisStore(generous.redis!, { keyPrefix: generous.prefix!, maxBalanceMicros: 5_000_000 })
        : new SqliteStore(generous.sqlite!.name, { maxBalanceMicros: 5_000_000 });
    if (kind === 'sqlite') cleanups.push(() => strict.close());

    // When it is credited 1 micro-USD and debited $1
    const credit = await strict.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: 1, reason: 'grant', external_ref: 'admin:1' }, iso);
    const debit = await strict.applyLedger(
      { account_id: accountId, kind: 'adjustment', amount_micros: -1_000_000, reason: 'fix', external_ref: 'admin:2' },
      iso,
    );

    // Then the credit is refused and the debit applied
    expect(credit).toEqual({ ok: false, reason: 'balance_limit_exceeded', balance_micros: 8_000_000, limit_micros: 5_000_000 });
    expect(debit).toMatchObject({ ok: true, applied: true, balance_micros: 7_000_000 });
    expect(() => new SqliteStore(':memory:', { maxBalanceMicros: 2 ** 53 })).toThrow(InvalidAmountError);
  });

  it.each(OUT_OF_BOUNDS)('refuses a ledger change of %s before writing anything', async (amount) => {
    const { store } = open();
    const { accountId } = await account(store, 5_000_000);
    const before = await state(store, accountId);
    await expect(store.applyLedger({ account_id: accountId, kind: 'credit', amount_micros: amount, reason: 'x', external_ref: 'x' }, iso)).rejects.toThrow(
      InvalidAmountError,
    );
    await expect(
      store.applyLedger(
        { account_id: accountId, kind: 'adjustment', amount_micros: -Math.abs(amount), reason: 'x', external_ref: 'y', on_insufficient: 'clamp_and_suspend' },
        iso,
      ),
    ).rejects.toThrow(InvalidAmountError);
    expect(await state(store, accountId)).toEqual(before);
    expect((await store.getAccount(accountId))!.status).toBe('active');
  });

  it('refuses over-large prices, spend limits, thresholds and top-ups before writing anything', async () => {
    const { store } = open();
    const { accountId, key } = await account(store, 5_000_000);
    const reserve = reserveRequest(accountId, key, { external_ref: 'call:1', reason: 'call' });
    await expect(store.reserve({ ...reserve, price_micros: MAX_SAFE }, iso)).rejects.toThrow(InvalidAmountError);
    await expect(store.reserve({ ...reserve, price_micros: 0.5 }, iso)).rejects.toThrow(InvalidAmountError);
    await expect(store.updateKey(accountId, key.id, { spend_limit_micros: MAX_SAFE })).rejects.toThrow(InvalidAmountError);
    await expect(store.createKey(accountId, { ...newKey(), spend_limit_micros: 1e20 }, 20, iso)).rejects.toThrow(InvalidAmountError);
    await expect(store.setLowBalanceThreshold(accountId, MAX_SAFE)).rejects.toThrow(InvalidAmountError);
    const topup = {
      id: newTopupId(),
      account_id: accountId,
      method: 'stars' as const,
      amount_micros: 1_000_000,
      stars: 100,
      status: 'pending' as const,
      checkout_url: null,
      invoice_link: null,
      provider_ref: null,
      ledger_entry_id: null,
      created_at: iso,
      completed_at: null,
    };
    await expect(store.createTopup({ ...topup, stars: 8e11 * 13_000 })).rejects.toThrow(InvalidAmountError);
    await expect(store.createTopup({ ...topup, amount_micros: MAX_SAFE })).rejects.toThrow(InvalidAmountError);
    expect(await store.getTopup(topup.id)).toBeNull();
    expect(await state(store, accountId)).toEqual({ balance: 5_000_000, sum: 5_000_000, entries: 1 });
    expect((await store.getKey(accountId, key.id))!.spend_limit_micros).toBeNull();
    expect((await store.listKeys(accountId)).length).toBe(1);
  });

  it('refuses a top-up completion of an amount out of bounds with InvalidAmountError, whatever the top-up, with nothing changed', async () => {
    // Found by the store model (seed 1, shrunk: CreateTopup(paddle, 10000), CompleteTopup(amount 0)): SQLite answered
    // balance_limit_exceeded for 10^13 and a plain RangeError for 0; Redis failed inside its script for 10^13.
    const { store } = open();
    const { accountId } = await account(store, 5_000_000);
    const topup = pendingPaddleTopup(accountId, 1_000_000, iso);
    await store.createTopup(topup);
    for (const amount of OUT_OF_BOUNDS) {
      const request = { topup_id: topup.id, credit: { amount_micros: amount, reason: 'Card top-up', external_ref: `paddle:txn_${amount}` } };
      await expect(store.completeTopup(request, iso), `amount ${amount}`).rejects.toThrow(InvalidAmountError);
    }
    expect(await store.getTopup(topup.id)).toMatchObject({ status: 'pending', ledger_entry_id: null });
    expect(await state(store, accountId)).toEqual({ balance: 5_000_000, sum: 5_000_000, entries: 1 });
  });
});

describe.each(STORE_KINDS.filter((kind) => kind === 'redis'))('amount bounds in the Lua scripts: %s', (kind) => {
  const open = opener(kind);

  it('the Lua scripts check every amount themselves, before their first write', async () => {
    // Given the scripts called directly, past the TypeScript checks
    const { store, redis, prefix } = open();
    const { accountId, key } = await account(store, DEFAULT_MAX_BALANCE_MICROS - 10);
    const tag = (part: string) => `${prefix}{${accountId}}:${part}`;
    const applyLedger = (amount: string, ceiling = String(DEFAULT_MAX_BALANCE_MICROS)) =>
      redis!.eval(
        APPLY_LEDGER,
        3,
        tag('account'),
        tag('ledger'),
        tag('ledger_refs'),
        'credit',
        amount,
        'x',
        `ref:${amount}`,
        newLedgerId(),
        iso,
        'reject',
        ceiling,
        'rev-x',
      );
    const before = { account: await redis!.hgetall(tag('account')), ledger: await redis!.zcard(tag('ledger')) };

    // Then over-large, fractional, non-numeric and zero amounts are refused as invalid
    for (const amount of ['9007199254740991', '10400000000000000', '1e300', '0.5', 'nan', 'inf', '0', '', '-9007199254740991']) {
      expect(await applyLedger(amount), amount).toEqual(['invalid', 'amount_micros']);
    }
    expect(await applyLedger('1', '9007199254740991')).toEqual(['invalid', 'balance ceiling']);
    // And a credit past the ceiling is refused there too
    expect(await applyLedger('11')).toEqual(['balance_limit', String(DEFAULT_MAX_BALANCE_MICROS - 10), String(DEFAULT_MAX_BALANCE_MICROS)]);
    // And RESERVE refuses a price that is not an integer within bounds
    const keys = [tag('account'), tag(`key:${key.id}`), tag('ledger'), tag('ledger_refs'), tag('rl')];
    for (const price of ['9007199254740991', '0.5', '-1']) {
      await expect(
        redis!.eval(
          RESERVE,
          5,
          ...keys,
          key.hash,
          String(NOW),
          'reliapi',
          price,
          'call:x',
          'call',
          newLedgerId(),
          iso,
          ...Array(6).fill('0'),
          '',
          '1',
          '{',
          '0',
        ),
      ).rejects.toThrow(/invalid argument/);
    }
    // With nothing written
    expect({ account: await redis!.hgetall(tag('account')), ledger: await redis!.zcard(tag('ledger')) }).toEqual(before);
  });
});

describe('amount bounds in the SQLite file', () => {
  const open = opener('sqlite');

  it('money columns in the file hold integers only; the triggers refuse anything else, even from outside the store', async () => {
    // Given money written through the store
    const { store, sqlite } = open();
    const { accountId, key } = await account(store, 5_000_000);
    await store.reserve(reserveRequest(accountId, key, { external_ref: 'call:1', reason: 'call' }), iso);

    // Then every money value in the file is an INTEGER
    expect(sqlite!.prepare('SELECT typeof(balance_micros) AS type, balance_micros FROM accounts WHERE id = ?').get(accountId)).toEqual({
      type: 'integer',
      balance_micros: 4_999_000,
    });
    const ledgerTypes = sqlite!
      .prepare('SELECT DISTINCT typeof(amount_micros) || typeof(balance_after_micros) AS types FROM ledger WHERE account_id = ?')
      .all(accountId);
    expect(ledgerTypes).toEqual([{ types: 'integerinteger' }]);

    // And a float, a value past the bound or text is refused by the file itself, with nothing changed
    for (const value of [1.5, 1e20, 2 ** 53 - 1, 'twelve', -1]) {
      expect(() => sqlite!.prepare('UPDATE accounts SET balance_micros = ? WHERE id = ?').run(value, accountId), String(value)).toThrow(/must be integers/);
    }
    expect(() => sqlite!.prepare('UPDATE ledger SET amount_micros = 0.25 WHERE account_id = ?').run(accountId)).toThrow(/must be integers/);
    expect(() => sqlite!.prepare('UPDATE api_keys SET spent_micros = 1e300 WHERE id = ?').run(key.id)).toThrow(/must be integers/);
    expect((await store.getAccount(accountId))!.balance_micros).toBe(4_999_000);
  });

  it('an existing file gets the integer checks and random revisions by migration', async () => {
    // Given a file at schema version 3 (before this change) with an account in it
    const directory = mkdtempSync(join(tmpdir(), 'kikuai-migrate-'));
    cleanups.push(async () => rmSync(directory, { recursive: true, force: true }));
    const file = join(directory, 'kikuai.db');
    const old = new Database(file);
    old.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)');
    MIGRATIONS.slice(0, 3).forEach((sql, index) => {
      old.exec(sql);
      old.prepare('INSERT INTO schema_migrations VALUES (?, ?)').run(index + 1, iso);
    });
    old.prepare("INSERT INTO accounts (id, telegram_id, status, balance_micros, created_at) VALUES ('acc_old', 1, 'active', 5, ?)").run(iso);
    old.close();

    // When the store opens it
    const store = new SqliteStore(file);
    cleanups.push(() => store.close());
    const raw = new Database(file);
    cleanups.push(async () => {
      raw.close();
    });

    // Then a float balance is refused and a change gives a random revision, not 1
    expect(() => raw.prepare("UPDATE accounts SET balance_micros = 2.5 WHERE id = 'acc_old'").run()).toThrow(/must be integers/);
    await store.setAccountStatus('acc_old', 'suspended', 'test');
    const { rev } = raw.prepare("SELECT rev FROM accounts WHERE id = 'acc_old'").get() as { rev: number };
    expect(Number.isSafeInteger(rev) && rev !== 1).toBe(true);
  });
});
