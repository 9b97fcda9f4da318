/**
 * RFC 9457 problem details. Every error the API returns is an `ApiProblem` thrown from
 * a handler or mapped from a Fastify error in `error-handler.ts`.
 */
import { microsToUsd } from '../services/money.js';

export interface ProblemExtras {
  [key: string]: unknown;
}

const TITLES: Record<string, string> = {
  validation_failed: 'Invalid request',
  malformed_json: 'Malformed JSON',
  unsupported_media_type: 'Unsupported media type',
  payload_too_large: 'Request body too large',
  headers_too_large: 'Request headers too large',
  malformed_request: 'Malformed HTTP request',
  request_timeout: 'Request timeout',
  unauthenticated: 'Authentication required',
  invalid_api_key: 'Invalid API key',
  key_not_found: 'Unknown API key',
  key_revoked: 'API key revoked',
  key_disabled: 'API key disabled',
  key_expired: 'API key expired',
  invalid_init_data: 'Invalid Telegram initData',
  init_data_expired: 'Telegram initData expired',
  invalid_service_token: 'Invalid service token',
  invalid_admin_token: 'Invalid admin token',
  invalid_signature: 'Invalid signature',
  account_suspended: 'Account suspended',
  account_not_found: 'Account not found',
  product_not_allowed: 'Product not allowed for this key',
  permission_denied: 'Permission denied for this key',
  key_bounds_exceeded: 'Beyond this key\'s own bounds',
  not_found: 'Not found',
  route_not_found: 'No such route',
  method_not_allowed: 'Method not allowed',
  too_many_keys: 'Too many API keys',
  idempotency_key_reused: 'Idempotency-Key reused',
  idempotency_key_in_progress: 'Request with this Idempotency-Key in progress',
  topup_not_pending: 'Top-up not pending',
  invalid_amount: 'Invalid amount',
  payment_method_unavailable: 'Payment method unavailable',
  insufficient_balance: 'Insufficient balance',
  balance_limit_exceeded: 'Balance limit exceeded',
  spend_limit_reached: 'Spend limit reached',
  rate_limited: 'Too many requests',
  product_unavailable: 'Product unavailable',
  upstream_unreachable: 'Upstream unreachable',
  upstream_timeout: 'Upstream timeout',
  upstream_error: 'Upstream error',
  payment_provider_error: 'Payment provider error',
  stars_amount_refused: 'Stars amount refused',
  stars_charge_conflict: 'Stars charge recorded for another account',
  service_unavailable: 'Service unavailable',
  store_unavailable: 'Store unavailable',
  internal_error: 'Internal error',
};

export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly extras: ProblemExtras = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = 'ApiProblem';
  }

  body(requestId: string): Record<string, unknown> {
    return problemBody(this.status, this.code, this.detail, requestId, this.extras);
  }
}

export function problemBody(status: number, code: string, detail: string, requestId: string, extras: ProblemExtras = {}) {
  return {
    type: `https://kikuai.dev/problems/${code}`,
    title: TITLES[code] ?? 'Error',
    status,
    detail,
    code,
    request_id: requestId,
    ...extras,
  };
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export const notFound = (what: string) => new ApiProblem(404, 'not_found', `${what} was not found.`);

/** 422: a credit the store refused because it would take the balance above its ceiling (nothing changed). */
export const balanceLimitProblem = (what: string, refused: { balance_micros: number; limit_micros: number }) =>
  new ApiProblem(
    422,
    'balance_limit_exceeded',
    `${what} would take the balance (${microsToUsd(refused.balance_micros)} USD) above its limit of ${microsToUsd(refused.limit_micros)} USD; nothing was changed.`,
    { balance_micros: refused.balance_micros, limit_micros: refused.limit_micros },
  );
