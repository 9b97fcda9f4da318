/**
 * The problem codes the API sends: the spec's `ErrorCode` enum (`openapi.yaml`, where each
 * code's meaning is documented), typed from the generated types, so a code the spec does
 * not list fails the type-check wherever a problem is built. `test/contract/error-codes.test.ts`
 * checks the other way: every code of the spec is sent somewhere, or marked reserved.
 */
import type { components } from '@kikuai/sdk/contract';

export type ErrorCode = components['schemas']['ErrorCode'];

/** The `title` of each code's problems: one per code, no more. */
export const ERROR_TITLES = {
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
  key_bounds_exceeded: "Beyond this key's own bounds",
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
} as const satisfies Record<ErrorCode, string>;
