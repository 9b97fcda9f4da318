/**
 * Which headers cross the proxy.
 *
 * Towards the upstream: an allowlist. The customer's Authorization (their kikuai key),
 * cookies, Host, X-Forwarded-* and anything else they send stay here; the product's own
 * credential is added. The Host header is the upstream's own (undici sets it from the
 * pool's origin), so no header can redirect the call.
 *
 * Back to the customer: an allowlist too (PASSED_RESPONSE_HEADERS plus the product's own
 * documented headers): the customer sees kikuai's answer, not the upstream's internals.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { Product } from '../products/catalog.js';

const FORWARDED_REQUEST_HEADERS = ['content-type', 'content-length', 'accept', 'accept-encoding', 'accept-language', 'user-agent', 'idempotency-key'] as const;

export function upstreamRequestHeaders(incoming: IncomingHttpHeaders, product: Product, requestId: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = incoming[name];
    if (typeof value === 'string') headers[name] = value;
  }
  headers['x-request-id'] = requestId;
  if (product.credentialHeader) headers[product.credentialHeader.name] = product.credentialHeader.value;
  return headers;
}

/**
 * Upstream response headers that describe the answer itself and mean the same behind a
 * proxy: its representation, caching and retry hints. Nothing else passes unless the
 * product lists it (`response_headers` in the products file). Never: Location and
 * Content-Location (an address of the upstream's), Set-Cookie, anything that carries a
 * credential (an upstream echoing Authorization), hop-by-hop headers, HSTS and the headers
 * kikuai sets itself (X-Kikuai-*, X-Request-Id, RateLimit-*: the limits shown are kikuai's).
 */
export const PASSED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-disposition',
  'cache-control',
  'etag',
  'last-modified',
  'expires',
  'age',
  'vary',
  'retry-after',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'x-ratelimit-limit-requests',
  'x-ratelimit-limit-tokens',
  'x-ratelimit-remaining-requests',
  'x-ratelimit-remaining-tokens',
  'x-ratelimit-reset-requests',
  'x-ratelimit-reset-tokens',
]);

/** Headers that never pass, whatever a products file lists (checked at load too). */
export const NEVER_PASSED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'location',
  'content-location',
  'refresh',
  'link',
  'set-cookie',
  'set-cookie2',
  'authorization',
  'proxy-authorization',
  'proxy-authenticate',
  'www-authenticate',
  'cookie',
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'strict-transport-security',
  'x-request-id',
  'ratelimit-limit',
  'ratelimit-remaining',
  'ratelimit-reset',
  'ratelimit-policy',
  'ratelimit',
]);

export function customerResponseHeaders(
  upstream: Record<string, string | string[] | undefined>,
  product: Pick<Product, 'responseHeaders'>,
): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined) continue;
    // undici gives header names in lower case.
    if (PASSED_RESPONSE_HEADERS.has(name) || product.responseHeaders.has(name)) headers[name] = value;
  }
  return headers;
}
