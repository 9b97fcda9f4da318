/**
 * Snapshots of API keys and their accounts, kept in process by a store adapter so that
 * the hot path (authorize, reserve) reads only what changes on every call.
 *
 * A snapshot holds the whole key and account as read at the account's revision `rev`
 * (replaced by the store on every change to a field that does not change per call: see
 * `redis-scripts.ts`). A revision is a token unique to its change, never a counter: a store
 * that loses its last writes (Redis `appendfsync everysec`, a lagging replica, a restore)
 * would count again to a number an instance already holds, and that instance would keep
 * serving what the lost change cached. Each request sends the revision it holds; the store reads the
 * current one in the same round trip and, when it moved, answers with the whole records
 * again. So a revoked, disabled or rotated key, or a suspended account, is refused by the
 * very next request through any instance: the cache never decides alone.
 */
import { randomBytes } from 'node:crypto';
import type { Account, ApiKeyRecord } from './types.js';
import { keyRefusal } from './logic.js';

export interface AuthSnapshot {
  rev: string;
  account: Account;
  key: ApiKeyRecord;
}

/** The per-call fields, read on every request. */
export interface PerCallFields {
  balance_micros: number;
  low_balance_notified: boolean;
  spent_micros: number;
  spend_period_start: string | null;
  last_used_at: string | null;
}

const MAX_SNAPSHOTS = 50_000;

export class AuthSnapshots {
  private readonly byKeyId = new Map<string, AuthSnapshot>();

  /**
   * The snapshot of this key when it would let the request through at `nowMs` (the store
   * then confirms its revision); undefined when there is none or it would refuse, so
   * that every refusal is decided on records read from the store.
   */
  usable(accountId: string, keyId: string, hash: string, nowMs: number): AuthSnapshot | undefined {
    const snapshot = this.byKeyId.get(keyId);
    if (!snapshot || snapshot.key.account_id !== accountId) return undefined;
    return keyRefusal(snapshot.key, snapshot.account, hash, nowMs) === null ? snapshot : undefined;
  }

  remember(rev: string, account: Account, key: ApiKeyRecord): void {
    if (!this.byKeyId.has(key.id) && this.byKeyId.size >= MAX_SNAPSHOTS) this.byKeyId.delete(this.byKeyId.keys().next().value as string);
    this.byKeyId.set(key.id, { rev, account, key });
  }

  forget(keyId: string): void {
    this.byKeyId.delete(keyId);
  }
}

/** The snapshot's records with the per-call fields just read. */
export function withPerCallFields(snapshot: AuthSnapshot, fields: PerCallFields): { account: Account; key: ApiKeyRecord } {
  return {
    account: { ...snapshot.account, balance_micros: fields.balance_micros, low_balance_notified: fields.low_balance_notified },
    key: { ...snapshot.key, spent_micros: fields.spent_micros, spend_period_start: fields.spend_period_start, last_used_at: fields.last_used_at },
  };
}

/**
 * A maker of revision tokens: a random nonce per maker (one per store object) and a
 * counter, so no two changes anywhere, before or after a rollback, share a revision.
 */
export function revisionTokens(): () => string {
  const nonce = randomBytes(12).toString('base64url');
  let count = 0;
  return () => `${nonce}.${(count++).toString(36)}`;
}
