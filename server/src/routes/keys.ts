import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { generateApiKey } from '../auth/api-key.js';
import { requireAccount } from '../auth/authenticate.js';
import { boundsExceeded, boundsProblem, type KeyBounds } from '../auth/permissions.js';
import { ApiProblem, notFound } from '../http/problem.js';
import { withIdempotency } from '../http/idempotency.js';
import { presentKey, presentKeyWithSecret } from '../services/presenters.js';
import { newKeyId } from '../store/ids.js';
import { PERMISSIONS, type ApiKeyRecord, type KeyPatch } from '../store/types.js';
import type { Handlers } from './types.js';

type KeyRequest = FastifyRequest<{ Params: { key_id: string } }>;

function keyIdOf(request: KeyRequest): string {
  return request.params.key_id;
}

function checkExpiry(expiresAt: string | null | undefined, now: Date): void {
  if (expiresAt && Date.parse(expiresAt) <= now.getTime()) {
    throw new ApiProblem(400, 'validation_failed', 'body/expires_at must be in the future.');
  }
}

/** The API key making this request, or null for the bot and the Mini App (the account's owner: no bounds). */
function callingKey(request: FastifyRequest): ApiKeyRecord | null {
  return request.caller?.kind === 'api_key' ? request.caller.key : null;
}

/**
 * A key acts on another key only when that key is within its own bounds (so it can never
 * revoke, rotate or rewrite a stronger one). On itself it may always act: rotating or
 * revoking itself lifts nothing, and an update of itself is checked as a narrowing.
 */
function checkMayManage(caller: ApiKeyRecord | null, target: ApiKeyRecord, verb: string): void {
  if (!caller || caller.id === target.id) return;
  const exceeded = boundsExceeded(target, caller);
  if (exceeded) throw boundsProblem(`This key may ${verb} only keys within its own bounds, and that key is not:`, exceeded);
}

export function keyRoutes(context: ServerContext): Handlers {
  const { store, config } = context;

  const checkProducts = (products: string[] | null | undefined) => {
    const known = context.productIds?.();
    if (!products || !known) return;
    const unknown = products.find((product) => !known.includes(product));
    if (unknown) throw new ApiProblem(400, 'validation_failed', `body/allowed_products names an unknown product "${unknown}". See GET /api/v1/products.`);
  };

  /** An API key acting on another key: that key must exist and lie within the caller's bounds. */
  const checkTarget = async (request: KeyRequest, accountId: string, verb: string) => {
    const caller = callingKey(request);
    const keyId = keyIdOf(request);
    if (!caller || caller.id === keyId) return;
    const target = await store.getKey(accountId, keyId);
    if (!target) throw notFound('This API key');
    checkMayManage(caller, target, verb);
  };

  return {
    async listApiKeys(request) {
      const account = requireAccount(request);
      const now = context.now();
      return { data: (await store.listKeys(account.id)).map((key) => presentKey(key, now)) };
    },

    async createApiKey(request, reply) {
      const account = requireAccount(request);
      const body = request.body ?? {};
      const now = context.now();
      checkExpiry(body.expires_at, now);
      checkProducts(body.allowed_products);
      if ((body.spend_limit_micros == null) !== (body.spend_limit_period == null)) {
        throw new ApiProblem(400, 'validation_failed', 'Give spend_limit_micros and spend_limit_period together.');
      }
      // Fields left out take the creating key's own bounds (none for the bot and the Mini App).
      const parent = callingKey(request);
      const bounds: KeyBounds = {
        permissions: body.permissions ?? parent?.permissions ?? [...PERMISSIONS],
        allowed_products: body.allowed_products ?? parent?.allowed_products ?? null,
        spend_limit_micros: body.spend_limit_micros ?? parent?.spend_limit_micros ?? null,
        spend_limit_period: body.spend_limit_period ?? (body.spend_limit_micros == null ? (parent?.spend_limit_period ?? null) : null),
        expires_at: body.expires_at ?? parent?.expires_at ?? null,
      };
      if (parent) {
        const exceeded = boundsExceeded(bounds, parent);
        if (exceeded) throw boundsProblem('A key cannot create a key beyond its own bounds:', exceeded);
      }
      // Scoped to the calling key too: a replay must not hand one key another's answer.
      return withIdempotency(context, request, reply, `${account.id}:${parent?.id ?? 'owner'}:createApiKey`, async () => {
        const key = generateApiKey();
        const result = await store.createKey(
          account.id,
          {
            id: newKeyId(),
            name: body.name ?? 'default',
            prefix: key.prefix,
            last_four: key.last_four,
            hash: key.hash,
            ...bounds,
          },
          config.maxKeysPerAccount,
          now.toISOString(),
        );
        if (!result.ok) {
          if (result.reason === 'too_many_keys') {
            throw new ApiProblem(409, 'too_many_keys', `This account already holds ${config.maxKeysPerAccount} keys, the most an account may.`);
          }
          throw new ApiProblem(404, 'account_not_found', 'The account no longer exists.');
        }
        context.events?.emit('key_created', { account, key: result.key });
        return { status: 201, body: presentKeyWithSecret(result.key, key.secret, now) };
      });
    },

    async getApiKey(request) {
      const account = requireAccount(request);
      const key = await store.getKey(account.id, keyIdOf(request));
      if (!key) throw notFound('This API key');
      return presentKey(key, context.now());
    },

    async updateApiKey(request) {
      const account = requireAccount(request);
      const body = request.body;
      const now = context.now();
      checkExpiry(body.expires_at, now);
      checkProducts(body.allowed_products);
      const current = await store.getKey(account.id, keyIdOf(request));
      if (!current) throw notFound('This API key');
      const limit = body.spend_limit_micros === undefined ? current.spend_limit_micros : body.spend_limit_micros;
      const period = body.spend_limit_period ?? (body.spend_limit_micros === null ? null : current.spend_limit_period);
      if (limit !== null && !period) {
        throw new ApiProblem(400, 'validation_failed', 'body/spend_limit_period is required with a spend limit (daily, weekly or monthly).');
      }
      const patch: KeyPatch = {};
      if (body.name !== undefined) patch.name = body.name;
      if (body.enabled !== undefined) patch.enabled = body.enabled;
      if (body.expires_at !== undefined) patch.expires_at = body.expires_at;
      if (body.allowed_products !== undefined) patch.allowed_products = body.allowed_products;
      if (body.permissions !== undefined) patch.permissions = body.permissions;
      if (body.spend_limit_micros !== undefined || body.spend_limit_period !== undefined) {
        patch.spend_limit_micros = limit;
        patch.spend_limit_period = limit === null ? null : period;
      }
      const caller = callingKey(request);
      if (caller) {
        checkMayManage(caller, current, 'change');
        // Itself: only narrower than it is now. Another key: within this key's bounds.
        const exceeded = boundsExceeded({ ...current, ...patch }, caller.id === current.id ? current : caller);
        if (exceeded)
          throw boundsProblem(caller.id === current.id ? 'A key can only narrow itself:' : 'A key cannot give a key more than its own bounds:', exceeded);
      }
      const updated = await store.updateKey(account.id, current.id, patch);
      if (!updated) throw notFound('This API key');
      return presentKey(updated, now);
    },

    async revokeApiKey(request) {
      const account = requireAccount(request);
      await checkTarget(request, account.id, 'revoke');
      const revoked = await store.revokeKey(account.id, keyIdOf(request), context.now().toISOString());
      if (!revoked) throw notFound('This API key');
      context.events?.emit('key_revoked', { account, key: revoked });
      return presentKey(revoked, context.now());
    },

    async rotateApiKey(request, reply) {
      const account = requireAccount(request);
      const keyId = keyIdOf(request);
      const grace = request.body?.grace_period_seconds ?? 0;
      await checkTarget(request, account.id, 'rotate');
      return withIdempotency(context, request, reply, `${account.id}:rotateApiKey:${keyId}`, async () => {
        const now = context.now();
        const key = generateApiKey();
        const previousExpiresAt = grace > 0 ? new Date(now.getTime() + grace * 1000).toISOString() : null;
        const rotated = await store.rotateKey(account.id, keyId, { hash: key.hash, prefix: key.prefix, last_four: key.last_four }, previousExpiresAt);
        if (!rotated) throw notFound('This API key');
        context.events?.emit('key_rotated', { account, key: rotated });
        return { status: 200, body: presentKeyWithSecret(rotated, key.secret, now) };
      });
    },
  };
}
