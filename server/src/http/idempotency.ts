/**
 * `Idempotency-Key` for POSTs that create things or move money: the first request
 * with a key runs and its response is kept for 24 hours; a retry with the same key
 * and the same body gets that response again; the same key with another body is a
 * 409. Keys are scoped to the caller (account, or the operator) and the operation.
 *
 * The kept answer can carry a secret (a new API key's), so the store never sees it in
 * clear: the record is found by a SHA-256 of the Idempotency-Key (never the key itself),
 * and the answer is sealed with AES-256-GCM under a key derived (HKDF-SHA256) from the
 * Idempotency-Key, the scope and the server's idempotency secret. Reading the store
 * alone gives neither the secret nor the Idempotency-Key; only a client that knows the
 * Idempotency-Key, through this server, gets the answer back.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/types.js';
import { ApiProblem } from './problem.js';
import { sent, type Sent } from './sent.js';

const TTL_SECONDS = 24 * 60 * 60;
/**
 * How long a claim stays 'pending' when its request never finished it (the process died,
 * or the store went away between the claim and its release): long past any request of
 * these operations (seconds), short enough that a client retrying after an outage is not
 * answered 409 `idempotency_key_in_progress` for a day. A finished request keeps its
 * answer for TTL_SECONDS.
 */
const PENDING_TTL_SECONDS = 120;
const SEALED_PREFIX = 'v1.';
const SECRET_FILE = 'idempotency.secret';

export interface HandlerResult<Body = unknown> {
  status: number;
  body: Body;
}

/** What `withIdempotency` needs from the server: the store and the idempotency secret. */
export interface IdempotencyContext {
  store: Store;
  idempotencySecret: Buffer;
}

/**
 * The server's idempotency secret: `KIKUAI_IDEMPOTENCY_SECRET` when set (every instance
 * sharing a store must share it). Unset: the embedded SQLite store keeps a generated one
 * in `<data dir>/idempotency.secret` (0600) beside its file, so replays survive a
 * restart; on Redis a random one per process, so a replay reaching another instance or
 * a restarted one finds the record but cannot open it, and is refused with 409: the
 * request is never run twice.
 */
export function resolveIdempotencySecret(options: { configured: string | undefined; storeKind: 'sqlite' | 'redis'; dataDir: string }): {
  secret: Buffer;
  source: 'configured' | 'data_dir' | 'process';
} {
  if (options.configured) return { secret: Buffer.from(options.configured, 'utf8'), source: 'configured' };
  if (options.storeKind === 'sqlite') {
    const file = path.join(options.dataDir, SECRET_FILE);
    if (!existsSync(file)) {
      mkdirSync(options.dataDir, { recursive: true });
      try {
        writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
      } catch (error) {
        // Another process made it first: use theirs.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      chmodSync(file, 0o600);
    }
    return { secret: Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8'), source: 'data_dir' };
  }
  return { secret: randomBytes(32), source: 'process' };
}

interface RecordKeys {
  /** Names the record in the store: a hash of the scope and the Idempotency-Key. */
  lookup: string;
  /** Keys the request fingerprint (from the Idempotency-Key alone: it must still compare after a secret change). */
  fingerprinting: Buffer;
  /** Seals the answer: from the Idempotency-Key, the scope and the server secret. */
  sealing: Buffer;
}

function recordKeys(secret: Buffer, scope: string, idempotencyKey: string): RecordKeys {
  const base = createHash('sha256').update(`kikuai idempotency\0${scope}\0${idempotencyKey}`).digest();
  return {
    lookup: createHash('sha256').update(base).update('lookup').digest('base64url'),
    fingerprinting: createHmac('sha256', base).update('fingerprint').digest(),
    sealing: Buffer.from(hkdfSync('sha256', Buffer.from(idempotencyKey, 'utf8'), secret, `kikuai idempotency v1\0${scope}`, 32)),
  };
}

function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${SEALED_PREFIX}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${sealed.toString('base64url')}`;
}

function open(key: Buffer, stored: string): string | null {
  if (!stored.startsWith(SEALED_PREFIX)) return null;
  const [iv, tag, sealed] = stored.slice(SEALED_PREFIX.length).split('.');
  if (!iv || !tag || sealed === undefined) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(sealed, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

export async function withIdempotency<Body>(
  context: IdempotencyContext,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  run: () => Promise<HandlerResult<Body>>,
): Promise<Sent<Body>> {
  const { store } = context;
  const idempotencyKey = request.headers['idempotency-key'];
  if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0) {
    const result = await run();
    return sent(reply, result.status, result.body);
  }
  const { lookup, fingerprinting, sealing } = recordKeys(context.idempotencySecret, scope, idempotencyKey);
  // Keyed too: the store cannot confirm a guess of what was sent.
  const fingerprint = createHmac('sha256', fingerprinting)
    .update(`${request.method} ${request.url.split('?')[0]}\n${JSON.stringify(request.body ?? null)}`)
    .digest('base64url');
  const claimed = await store.claimIdempotent(scope, lookup, fingerprint, PENDING_TTL_SECONDS);
  if (claimed?.state === 'pending') {
    throw new ApiProblem(
      409,
      'idempotency_key_in_progress',
      'A request with this Idempotency-Key is still running. Retry in a moment.',
      {},
      { 'Retry-After': '1' },
    );
  }
  if (claimed?.state === 'done') {
    if (claimed.fingerprint !== fingerprint) {
      throw new ApiProblem(409, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request. Use a new key for a new request.');
    }
    const body = open(sealing, claimed.body);
    if (body === null) {
      // Sealed under another server secret (rotated, or per process): never run it twice.
      throw new ApiProblem(
        409,
        'idempotency_key_reused',
        'The answer kept for this Idempotency-Key can no longer be read by this server. Check the result, then use a new key.',
      );
    }
    reply.header('Idempotent-Replayed', 'true');
    return sent(reply, claimed.status, JSON.parse(body) as Body);
  }
  let result: HandlerResult<Body>;
  try {
    result = await run();
  } catch (error) {
    // A failed first attempt leaves nothing behind: the retry runs afresh.
    await store.releaseIdempotent(scope, lookup);
    throw error;
  }
  await store.saveIdempotent(scope, lookup, fingerprint, result.status, seal(sealing, JSON.stringify(result.body)), TTL_SECONDS);
  return sent(reply, result.status, result.body);
}
