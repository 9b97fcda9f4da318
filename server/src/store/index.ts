import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { RedisStore } from './redis-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { Store } from './types.js';

export * from './types.js';
export { RedisStore, type RedisStoreOptions } from './redis-store.js';
export { SqliteStore } from './sqlite-store.js';
export { InvalidCursorError, InvalidAmountError, MAX_CHANGE_MICROS, MICROS_LIMIT, DEFAULT_MAX_BALANCE_MICROS } from './logic.js';
export { newAccountId, newKeyId, newLedgerId, newTopupId, ulid } from './ids.js';

export interface CreateStoreOptions {
  /** Set: the Redis store (production, scale-out). Unset: the embedded SQLite store. */
  redisUrl?: string | undefined;
  /** `redisUrl` is one node of a Redis Cluster (REDIS_CLUSTER=true). */
  redisCluster?: boolean | undefined;
  /** Where the SQLite store keeps `kikuai.db`; created if missing. Default `./data`. */
  dataDir?: string | undefined;
  /** Redis key prefix, default `kikuai:`. */
  keyPrefix?: string | undefined;
  /** The balance ceiling (`KIKUAI_MAX_BALANCE_MICROS`), default 10^12 micro-USD. */
  maxBalanceMicros?: number | undefined;
  /** Write the outbox that PostgreSQL is fed from (set when `DATABASE_URL` is); default off. */
  outbox?: boolean | undefined;
}

/** Redis when a URL is given, else SQLite at `<dataDir>/kikuai.db`. */
export function createStore(options: CreateStoreOptions = {}): Store {
  const bounds = { ...(options.maxBalanceMicros === undefined ? {} : { maxBalanceMicros: options.maxBalanceMicros }), outbox: options.outbox ?? false };
  if (options.redisUrl)
    return new RedisStore(options.redisUrl, {
      ...bounds,
      ...(options.keyPrefix ? { keyPrefix: options.keyPrefix } : {}),
      ...(options.redisCluster ? { cluster: true } : {}),
    });
  const dataDir = options.dataDir ?? 'data';
  mkdirSync(dataDir, { recursive: true });
  return new SqliteStore(join(dataDir, 'kikuai.db'), bounds);
}
