/**
 * The hot path's helpers for API keys.
 *
 * KeyIndex caches which key a secret's hash belongs to. The mapping never changes
 * (a rotation adds a new hash, it never re-points an old one), so it is safe to keep
 * in process: whether the key is still valid — revoked, disabled, expired, rotated
 * out — is decided by the store on every request, which makes revocation immediate
 * on every instance. Misses are not cached, so a new key works at once.
 *
 * KeyUsageRecorder batches `last_used_at` updates off the request path.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Store } from '../store/types.js';

const MAX_CACHED_KEYS = 50_000;

export class KeyIndex {
  private readonly cache = new Map<string, { account_id: string; key_id: string }>();

  constructor(private readonly store: Store) {}

  /** The cached mapping, without a promise: the hot path awaits only on a miss. */
  cached(hash: string): { account_id: string; key_id: string } | undefined {
    return this.cache.get(hash);
  }

  async find(hash: string): Promise<{ account_id: string; key_id: string } | null> {
    const cached = this.cache.get(hash);
    if (cached) return cached;
    const found = await this.store.findKeyByHash(hash);
    if (found) {
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(hash, found);
    }
    return found;
  }
}

const FLUSH_INTERVAL_MS = 5_000;

export class KeyUsageRecorder {
  // Times stay numbers until the flush: no date formatting on the request path.
  private pending = new Map<string, { account_id: string; key_id: string; at_ms: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly store: Store,
    private readonly logger: FastifyBaseLogger,
  ) {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref();
  }

  record(accountId: string, keyId: string, at: Date): void {
    this.pending.set(keyId, { account_id: accountId, key_id: keyId, at_ms: at.getTime() });
  }

  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()].map((use) => ({ account_id: use.account_id, key_id: use.key_id, at: new Date(use.at_ms).toISOString() }));
    this.pending = new Map();
    try {
      await this.store.touchKeys(batch);
    } catch (error) {
      this.logger.warn({ err: error, keys: batch.length }, 'could not record key use; will not retry');
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
