/**
 * `Idempotency-Key` for POSTs that create things or move money: the first request
 * with a key runs and its response is kept for 24 hours; a retry with the same key
 * and the same body gets that response again; the same key with another body is a
 * 409. Keys are scoped to the caller (account, or the operator) and the operation.
 */
import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Store } from '../store/types.js';
import { ApiProblem } from './problem.js';

const TTL_SECONDS = 24 * 60 * 60;

export interface HandlerResult {
  status: number;
  body: unknown;
}

export async function withIdempotency(
  store: Store,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  run: () => Promise<HandlerResult>,
): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key.length === 0) {
    const result = await run();
    return reply.code(result.status).send(result.body);
  }
  const fingerprint = createHash('sha256')
    .update(`${request.method} ${request.url.split('?')[0]}\n${JSON.stringify(request.body ?? null)}`)
    .digest('hex');
  const claimed = await store.claimIdempotent(scope, key, fingerprint, TTL_SECONDS);
  if (claimed?.state === 'pending') {
    throw new ApiProblem(409, 'idempotency_key_in_progress', 'A request with this Idempotency-Key is still running. Retry in a moment.', {}, { 'Retry-After': '1' });
  }
  if (claimed?.state === 'done') {
    if (claimed.fingerprint !== fingerprint) {
      throw new ApiProblem(409, 'idempotency_key_reused', 'This Idempotency-Key was used with a different request. Use a new key for a new request.');
    }
    reply.header('Idempotent-Replayed', 'true');
    return reply.code(claimed.status).send(JSON.parse(claimed.body));
  }
  let result: HandlerResult;
  try {
    result = await run();
  } catch (error) {
    // A failed first attempt leaves nothing behind: the retry runs afresh.
    await store.releaseIdempotent(scope, key);
    throw error;
  }
  await store.saveIdempotent(scope, key, fingerprint, result.status, JSON.stringify(result.body), TTL_SECONDS);
  return reply.code(result.status).send(result.body);
}
