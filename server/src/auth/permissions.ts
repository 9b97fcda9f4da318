/**
 * Key permissions (server/README.md, "Key permissions"): what each operation needs from
 * an API key, and the bounds a key can never lift — neither its own nor another's.
 *
 * `API_KEY_OPERATIONS` is the one table: every operation of openapi.yaml that accepts an
 * API key must be in it (`buildApp` refuses to start otherwise), and its `x-permission`
 * in the spec must say the same (a contract test compares them).
 */
import type { FastifyRequest } from 'fastify';
import { ApiProblem } from '../http/problem.js';
import type { ApiKeyRecord, Permission, SpendLimitPeriod } from '../store/types.js';

export interface OperationRule {
  /** The permission the key needs; null: any key (who am I). */
  permission: Permission | null;
  /** Also allowed to a key without it when the path's `key_id` is the caller's own key. */
  self?: true;
}

export const API_KEY_OPERATIONS: Record<string, OperationRule> = {
  getMe: { permission: null },
  updateMe: { permission: 'billing:write' },
  listApiKeys: { permission: 'keys:manage' },
  createApiKey: { permission: 'keys:manage' },
  getApiKey: { permission: 'keys:manage', self: true },
  updateApiKey: { permission: 'keys:manage', self: true },
  revokeApiKey: { permission: 'keys:manage', self: true },
  rotateApiKey: { permission: 'keys:manage', self: true },
  getBalance: { permission: 'billing:read' },
  getUsage: { permission: 'billing:read' },
  listHistory: { permission: 'billing:read' },
  listDailyHistory: { permission: 'billing:read' },
  getTopupOptions: { permission: 'billing:read' },
  getTopup: { permission: 'billing:read' },
  createTopup: { permission: 'billing:write' },
  // Checked by the store's reserve, in the proxy's one round trip (logic.ts callRefusal).
  proxyLlm: { permission: 'products:call' },
  proxyHttp: { permission: 'products:call' },
  callProduct: { permission: 'products:call' },
};

export function permissionDenied(permission: Permission, detail?: string): ApiProblem {
  return new ApiProblem(403, 'permission_denied', detail ?? `This API key lacks the ${permission} permission.`, { permission });
}

/** Throws 403 when an API key may not run this operation (`rule` from API_KEY_OPERATIONS). */
export function checkOperationPermission(rule: OperationRule, key: ApiKeyRecord, request: FastifyRequest): void {
  if (rule.permission === null || key.permissions.includes(rule.permission)) return;
  if (rule.self && (request.params as { key_id?: string } | undefined)?.key_id === key.id) return;
  throw permissionDenied(
    rule.permission,
    rule.self ? `This API key lacks the ${rule.permission} permission: it may read, narrow, rotate and revoke only itself.` : undefined,
  );
}

/** What bounds a key: its permissions, products, spend limit and expiry. */
export type KeyBounds = Pick<ApiKeyRecord, 'permissions' | 'allowed_products' | 'spend_limit_micros' | 'spend_limit_period' | 'expires_at'>;

/**
 * A child period fits under a parent's limit when every parent period lies inside one child
 * period (UTC days lie inside weeks and months; weeks straddle months): under a daily
 * limit any period, under a weekly one weekly, under a monthly one monthly. A child
 * without a period (a lifetime limit) fits under any.
 */
const PERIODS_WITHIN: Record<SpendLimitPeriod, SpendLimitPeriod[]> = {
  daily: ['daily', 'weekly', 'monthly'],
  weekly: ['weekly'],
  monthly: ['monthly'],
};

/**
 * Why `candidate` is not within `bound` (one sentence naming the field), or null when it
 * is: its permissions ⊆ bound's, its products ⊆ bound's (every product only under
 * every product), a spend limit ≤ bound's in a comparable period when bound has one,
 * and an expiry no later than bound's when bound expires.
 */
export function boundsExceeded(candidate: KeyBounds, bound: KeyBounds): string | null {
  const extra = candidate.permissions.find((permission) => !bound.permissions.includes(permission));
  if (extra) return `permissions: ${extra} is not among this key's permissions (${bound.permissions.join(', ') || 'none'}).`;
  if (bound.allowed_products !== null) {
    if (candidate.allowed_products === null) return `allowed_products: every product, but this key may call only ${bound.allowed_products.join(', ')}.`;
    const product = candidate.allowed_products.find((id) => !bound.allowed_products!.includes(id));
    if (product) return `allowed_products: ${product} is not among this key's products (${bound.allowed_products.join(', ')}).`;
  }
  if (bound.spend_limit_micros !== null) {
    if (candidate.spend_limit_micros === null) return `spend_limit_micros: no limit, but this key has one (${bound.spend_limit_micros} micro-USD).`;
    if (candidate.spend_limit_micros > bound.spend_limit_micros) {
      return `spend_limit_micros: ${candidate.spend_limit_micros} is more than this key's own limit (${bound.spend_limit_micros}).`;
    }
    const period = candidate.spend_limit_period;
    if (period !== null && (bound.spend_limit_period === null || !PERIODS_WITHIN[bound.spend_limit_period].includes(period))) {
      const fits = bound.spend_limit_period ? PERIODS_WITHIN[bound.spend_limit_period].join(' or ') : 'none';
      return `spend_limit_period: a ${period} limit could spend more than this key's ${bound.spend_limit_period ?? 'lifetime'} one (periods that fit: ${fits}).`;
    }
  }
  if (bound.expires_at !== null) {
    if (candidate.expires_at === null) return `expires_at: never, but this key expires at ${bound.expires_at}.`;
    if (Date.parse(candidate.expires_at) > Date.parse(bound.expires_at)) return `expires_at: later than ${bound.expires_at}, when this key expires.`;
  }
  return null;
}

/** 403 `key_bounds_exceeded`: `what` says what was refused, `reason` (from boundsExceeded) why. */
export function boundsProblem(what: string, reason: string): ApiProblem {
  return new ApiProblem(403, 'key_bounds_exceeded', `${what} ${reason}`);
}
