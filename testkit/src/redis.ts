/**
 * The shared Redis of the tests and benches (REDIS_URL, default 127.0.0.1:6379): whether
 * it answers, a key prefix of one's own, and removing that prefix's keys afterwards.
 * The one implementation of each; suites and benches import it from here.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** True when a Redis at `url` answers PING within about a second; never throws. */
export async function redisAnswers(url: string = REDIS_URL): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {}); // the failed connect() below reports it
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/** A key prefix no other run uses, e.g. `kikuai-test:3f9a1c0b2d4e:`. */
export function uniqueRedisPrefix(namespace = 'kikuai-test'): string {
  return `${namespace}:${randomBytes(6).toString('hex')}:`;
}

/**
 * Deletes every key under `prefix` (SCAN, never KEYS). Takes a connection to reuse, or a
 * URL to open (and close) one. Returns how many keys it deleted.
 */
export async function deleteRedisPrefix(connection: Redis | string, prefix: string): Promise<number> {
  if (!prefix) throw new Error('deleteRedisPrefix needs a non-empty prefix: it would empty the whole database');
  const client = typeof connection === 'string' ? new Redis(connection, { maxRetriesPerRequest: 1 }) : connection;
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== '0');
  } finally {
    if (typeof connection === 'string') client.disconnect();
  }
  return deleted;
}
