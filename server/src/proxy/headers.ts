/**
 * Which headers cross the proxy.
 *
 * Towards the upstream: an allowlist. The customer's Authorization (their kikuai key),
 * cookies, Host, X-Forwarded-* and anything else they send stay here; the product's own
 * credential is added. The Host header is the upstream's own (undici sets it from the
 * pool's origin), so no header can redirect the call.
 *
 * Back to the customer: everything the upstream says except hop-by-hop headers, cookies
 * and the headers kikuai sets itself.
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

/** RFC 9110 §7.6.1 hop-by-hop headers, plus what must not pass or is ours to set. */
const DROPPED_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'set-cookie',
  'x-request-id',
  'x-kikuai-cost-micros',
  'x-kikuai-balance-micros',
  'strict-transport-security',
]);

export function customerResponseHeaders(upstream: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  // Headers named by Connection are hop-by-hop too. Most upstreams send only
  // `keep-alive` or `close`, which name no header: the Set is made only for the others.
  const connection = upstream.connection;
  const namesHeaders = connection !== undefined && connection !== 'keep-alive' && connection !== 'close';
  const connectionTokens = namesHeaders
    ? new Set(
        String(connection)
          .split(',')
          .map((token) => token.trim().toLowerCase())
          .filter(Boolean),
      )
    : null;
  const headers: Record<string, string | string[]> = {};
  for (const name in upstream) {
    const value = upstream[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (DROPPED_RESPONSE_HEADERS.has(lower) || connectionTokens?.has(lower)) continue;
    headers[lower] = value;
  }
  return headers;
}
