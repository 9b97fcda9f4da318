/**
 * A products file for tests: `reliapi` (live, at RELIAPI_URL, endpoints `llm` and
 * `http`) and `routellm` (soon), plus any extra products a test needs.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestProductsOptions {
  /** Price of each reliapi endpoint, micro-USD per request (default 1000). */
  priceMicros?: number;
  timeoutMs?: number;
  /** reliapi's per-account rate limit per minute (default 100000: out of the way). */
  rateLimit?: number;
  maxBodyBytes?: number;
  /** reliapi's own response headers that reach the customer (`response_headers`). */
  responseHeaders?: string[];
  /** Send RELIAPI_API_KEY upstream as a bearer credential (default true; the test sets the variable). */
  withCredential?: boolean;
  /** More product entries, as YAML list items indented by two spaces. */
  extraProducts?: string;
}

export function testProductsYaml(options: TestProductsOptions = {}): string {
  const price = options.priceMicros ?? 1000;
  const credential = options.withCredential === false ? '' : '\n    credential: { header: Authorization, scheme: Bearer, env: RELIAPI_API_KEY }';
  return `products:
  - id: reliapi
    name: ReliAPI
    description: Reliability layer for API calls.
    status: live
    upstream_url_env: RELIAPI_URL
    upstream_url_default: http://127.0.0.1:9${credential}
    timeout_ms: ${options.timeoutMs ?? 2000}
    rate_limit: { requests: ${options.rateLimit ?? 100000}, window_seconds: 60 }
    max_body_bytes: ${options.maxBodyBytes ?? 100 * 1024 * 1024}
${options.responseHeaders ? `    response_headers: [${options.responseHeaders.join(', ')}]\n` : ''}    endpoints:
      - { id: llm, path: /proxy/llm, price_micros: ${price}, streaming: true, description: LLM calls. }
      - { id: http, path: /proxy/http, price_micros: ${price}, streaming: false, description: HTTP calls. }
  - id: routellm
    name: RouteLLM
    description: Stable LLM routing.
    status: soon
    upstream_url_env: ROUTELLM_URL
    upstream_url_default: http://127.0.0.1:9
    timeout_ms: 2000
    rate_limit: { requests: 600, window_seconds: 60 }
    endpoints:
      - { id: route, path: /v1/route, price_micros: 2000, streaming: true, description: Routing. }
${options.extraProducts ?? ''}`;
}

/** Writes `testProductsYaml(options)` to a new temporary directory; returns the file's path. */
export function writeTestProductsFile(options: TestProductsOptions = {}): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'kikuai-products-')), 'products.yaml');
  writeFileSync(file, testProductsYaml(options));
  return file;
}
