/**
 * The system under test: two store objects on the same data (two SQLite connections to one
 * file; two Redis clients on one key prefix), so that a change through one is seen through
 * the other (the auth snapshots of each must follow) and concurrent operations really race.
 * One backend serves every run of a suite: each run works in a fresh namespace of Telegram
 * ids, so a run starts from no accounts without a fresh store.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { RedisStore } from '../../../src/store/redis-store.js';
import { SqliteStore } from '../../../src/store/sqlite-store.js';
import type { Store } from '../../../src/store/types.js';
import { REDIS_URL } from '@kikuai/testkit/stores';
import { MAX_BALANCE } from './model.js';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';

export interface Counts {
  runs: number;
  /** Steps of the sequences, a concurrent group counting once. */
  commands: number;
  /** Store operations the steps made (a group counts each of its members). */
  operations: number;
  /** `<Operation>: <result>` → how often, to see what the sequences reached. */
  results: Record<string, number>;
}

export function tally(counts: Counts, operation: string, result: string): void {
  const name = `${operation.slice(0, operation.indexOf('('))}: ${result}`;
  counts.results[name] = (counts.results[name] ?? 0) + 1;
}

export interface Real {
  kind: 'sqlite' | 'redis';
  /** `stores[0]` also reads the invariants. */
  stores: [Store, Store];
  counts: Counts;
  /**
   * A crashed instance starts again: store object `via` is replaced by a new one on the same
   * data (a new SQLite connection; a new RedisStore on the same client), with none of the
   * old one's memory (auth snapshots, the Redis index writes it remembered).
   */
  restart(via: 0 | 1): Promise<void>;
}

export interface Backend {
  real: Real;
  cleanup(): Promise<void>;
}

function sqliteBackend(): Backend {
  const directory = mkdtempSync(join(tmpdir(), 'kikuai-store-model-'));
  const file = join(directory, 'kikuai.db');
  const options = { maxBalanceMicros: MAX_BALANCE };
  const stores: [Store, Store] = [new SqliteStore(file, options), new SqliteStore(file, options)];
  const restart = async (via: 0 | 1) => {
    const old = stores[via];
    stores[via] = new SqliteStore(file, options);
    await old.close();
  };
  return {
    real: { kind: 'sqlite', stores, counts: { runs: 0, commands: 0, operations: 0, results: {} }, restart },
    async cleanup() {
      for (const store of stores) await store.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

function redisBackend(): Backend {
  const keyPrefix = uniqueRedisPrefix('kikuai-model');
  const clients = [new Redis(REDIS_URL), new Redis(REDIS_URL)] as const;
  const open = (via: 0 | 1) => new RedisStore(clients[via], { keyPrefix, maxBalanceMicros: MAX_BALANCE });
  const stores: [Store, Store] = [open(0), open(1)];
  const restart = async (via: 0 | 1) => {
    stores[via] = open(via); // the client is the suite's: nothing to close
  };
  return {
    real: { kind: 'redis', stores, counts: { runs: 0, commands: 0, operations: 0, results: {} }, restart },
    async cleanup() {
      await deleteRedisPrefix(clients[0], keyPrefix);
      for (const client of clients) await client.quit();
    },
  };
}

export function openBackend(kind: 'sqlite' | 'redis'): Backend {
  return kind === 'sqlite' ? sqliteBackend() : redisBackend();
}
