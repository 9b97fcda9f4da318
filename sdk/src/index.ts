export { createKikuaiClient, type KikuaiAuth, type KikuaiClient, type KikuaiClientOptions, type KikuaiRawClient } from './client.js';
export { KikuaiError, KikuaiNetworkError, KikuaiTimeoutError, type ErrorCode, type KikuaiErrorInit, type Problem } from './errors.js';
export type { RequestOptions } from './request-options.js';
export { createRetryingFetch, isRetryableRequest, parseRetryAfter, type RetryBackoff, type RetryingFetchOptions } from './retrying-fetch.js';
export {
  formatUsd,
  MICROS_PER_USD,
  MINUS_SIGN,
  parseUsd,
  type FormatUsdOptions,
  type MoneyLocale,
  type ParseUsdFailure,
  type ParseUsdResult,
} from './money.js';
export { formatBytes, type FormatBytesOptions } from './bytes.js';
export { parseServerSentEvents, type ServerSentEvent } from './server-sent-events.js';
export { appendDailyHistory } from './daily-history.js';
export { SDK_VERSION } from './version.js';
export type { AdminResource } from './resources/admin.js';
export type { AuthResource } from './resources/auth.js';
export type { BalanceResource, HistoryResource, UsageResource } from './resources/billing.js';
export type { KeysResource } from './resources/keys.js';
export type { OperationsResource } from './resources/operations.js';
export type { ProductsResource } from './resources/products.js';
export type { LlmChatStream, ProxyCallOptions, ProxyMetering, ProxyResource, ProxyResult, ProxyStream } from './resources/proxy.js';
export type { StarsResource } from './resources/stars.js';
export type { TopupsResource, WaitForCompletionOptions } from './resources/topups.js';
export * from './types.js';
/**
 * The types openapi-typescript generates from `openapi.yaml`: `paths` (for the `raw`
 * client), `components` (schemas, responses, parameters) and `operations` (by operationId).
 *
 * @example
 * ```ts
 * import type { components, operations, paths } from '@kikuai/sdk';
 * type Topup = components['schemas']['Topup'];
 * type CreateTopupBody = operations['createTopup']['requestBody'];
 * type BalancePath = paths['/api/v1/balance'];
 * ```
 */
export type { components, operations, paths } from './generated/schema.js';
