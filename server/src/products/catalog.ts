/**
 * The product catalog: `config/products.yaml` read once at start-up, validated with zod,
 * environment variables resolved. Everything the proxy needs per endpoint (the full
 * upstream URL, the price, the credential header) is computed here once, so the hot
 * path only looks things up in a Map.
 *
 * A mistake in the file stops the server with one message naming the file, the
 * product and the field, e.g.
 *   config/products.yaml: products[0] (reliapi) → endpoints[1].price_micros: must be a whole number of micro-USD
 */
import { readFileSync } from 'node:fs';
import type { components } from '@kikuai/sdk/contract';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, type Environment } from '../config.js';
import { microsToUsd } from '../services/money.js';
import { NEVER_PASSED_RESPONSE_HEADERS } from '../proxy/headers.js';
import { callExample, proxyPath } from './examples.js';

export class ProductsFileError extends ConfigError {
  override name = 'ProductsFileError';
}

const ID = /^[a-z][a-z0-9-]{0,31}$/;
const ENDPOINT_ID = /^[a-z][a-z0-9_-]{0,31}$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Plain path segments only: no `..`, no `//`, no percent-escapes, query or fragment. */
const SAFE_PATH = /^(\/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+$/;
const HEADER_NAME = /^[A-Za-z0-9-]+$/;

const endpointSchema = z
  .object({
    id: z.string().regex(ENDPOINT_ID, 'must be lowercase letters, digits, - or _, starting with a letter'),
    path: z
      .string()
      .regex(SAFE_PATH, 'must be a plain absolute path like /proxy/llm (no "..", "//", "%", "?" or "#")')
      .refine((value) => !value.split('/').some((segment) => segment === '.' || segment === '..'), 'must not contain "." or ".." segments'),
    price_micros: z
      .number()
      .int('must be a whole number of micro-USD')
      .min(1, 'must be at least 1 (one micro-USD)')
      .max(1_000_000_000, 'must be at most 1,000,000,000 (1,000 USD)'),
    streaming: z.boolean().default(false),
    description: z.string().default(''),
    /** The description for Russian readers (`Accept-Language: ru`); English when unset. */
    description_ru: z.string().optional(),
    /** The request body of the example every face shows for this endpoint. */
    example: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

const productSchema = z
  .object({
    id: z.string().regex(ID, 'must be lowercase letters, digits or -, starting with a letter (at most 32)'),
    name: z.string().min(1),
    description: z.string().default(''),
    /** The description for Russian readers (`Accept-Language: ru`); English when unset. */
    description_ru: z.string().optional(),
    status: z.enum(['live', 'soon']),
    upstream_url_env: z.string().regex(ENV_NAME, 'must be an environment variable name like RELIAPI_URL').optional(),
    upstream_url_default: z.string().optional(),
    credential: z
      .object({
        header: z.string().regex(HEADER_NAME, 'must be a header name'),
        scheme: z
          .string()
          .regex(/^[A-Za-z]+$/)
          .optional(),
        env: z.string().regex(ENV_NAME, 'must be an environment variable name like RELIAPI_API_KEY'),
      })
      .strict()
      .optional(),
    timeout_ms: z.number().int().min(100).max(600_000).default(60_000),
    rate_limit: z.object({ requests: z.number().int().min(1).max(1_000_000), window_seconds: z.number().int().min(1).max(86_400) }).strict(),
    max_body_bytes: z
      .number()
      .int()
      .min(1024)
      .max(1024 * 1024 * 1024)
      .default(100 * 1024 * 1024),
    response_headers: z
      .array(
        z
          .string()
          .regex(HEADER_NAME, 'must be a header name')
          .refine(
            (name) => !NEVER_PASSED_RESPONSE_HEADERS.has(name.toLowerCase()) && !name.toLowerCase().startsWith('x-kikuai-'),
            'is a header kikuai never passes to the customer',
          ),
      )
      .default([]),
    endpoints: z.array(endpointSchema).min(1, 'must list at least one endpoint'),
  })
  .strict();

const fileSchema = z.object({ products: z.array(productSchema).min(1, 'must list at least one product') }).strict();

export interface ProductEndpoint {
  id: string;
  productId: string;
  /** The path at the upstream, as configured. */
  path: string;
  priceMicros: number;
  streaming: boolean;
  description: string;
  /** In Russian, or null: the English one is shown. */
  descriptionRu: string | null;
  /** The body of the endpoint's example call (`products.yaml` `example`; `{}` when unset). */
  exampleBody: Record<string, unknown>;
  /** The upstream path to request: the base URL's path + the endpoint's path. Fixed at load. */
  upstreamPath: string;
}

export interface Product {
  id: string;
  name: string;
  description: string;
  /** In Russian, or null: the English one is shown. */
  descriptionRu: string | null;
  status: 'live' | 'soon';
  /** The upstream's origin (scheme, host, port): the only place this product's calls go. */
  upstreamOrigin: string;
  /** Set for the built-in demo product (`products/demo.ts`): served by an echo upstream inside this process. */
  builtInEcho?: true;
  /** The credential header to send, or null when none is configured. */
  credentialHeader: { name: string; value: string } | null;
  /** Why the product cannot be called although `live` (a missing credential), or null. */
  unavailableReason: string | null;
  timeoutMs: number;
  rateLimit: { requests: number; windowSeconds: number };
  maxBodyBytes: number;
  /** The product's own response headers that reach the customer, besides the common ones (lower case). */
  responseHeaders: ReadonlySet<string>;
  endpoints: Map<string, ProductEndpoint>;
}

export interface ProductCatalog {
  products: Product[];
  get(productId: string): Product | undefined;
  ids: () => string[];
  /** Warnings for the start-up log (e.g. a live product without its credential). */
  warnings: string[];
}

function describePath(raw: unknown, path: Array<string | number>): string {
  const [top, index, ...rest] = path;
  if (top !== 'products' || typeof index !== 'number') return path.join('.') || '(top level)';
  const id = (raw as { products?: Array<{ id?: unknown }> })?.products?.[index]?.id;
  const product = `products[${index}]${typeof id === 'string' ? ` (${id})` : ''}`;
  const field = rest
    .map((part) => (typeof part === 'number' ? `[${part}]` : `.${part}`))
    .join('')
    .replace(/^\./, '');
  return field ? `${product} → ${field}` : product;
}

function upstreamBase(product: z.infer<typeof productSchema>, environment: Environment, fail: (field: string, message: string) => never): URL {
  const fromEnv = product.upstream_url_env ? environment[product.upstream_url_env]?.trim() : undefined;
  const raw = fromEnv || product.upstream_url_default;
  const source = fromEnv ? `${product.upstream_url_env} (environment)` : 'upstream_url_default';
  if (!raw) fail('upstream_url_env', `no upstream URL: set ${product.upstream_url_env ?? 'upstream_url_env'} or upstream_url_default`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(source, `is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') fail(source, 'must be an http: or https: URL');
  if (url.username || url.password) fail(source, 'must not carry a user name or password (use credential)');
  if (url.search || url.hash) fail(source, 'must not have a query or fragment');
  const basePath = url.pathname.replace(/\/+$/, '');
  if (basePath && !SAFE_PATH.test(basePath)) fail(source, 'has a path that is not plain (no "..", "//" or "%")');
  return url;
}

export function parseProductCatalog(text: string, fileLabel: string, environment: Environment): ProductCatalog {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new ProductsFileError(`${fileLabel}: not valid YAML (${(error as Error).message.split('\n')[0]})`);
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ProductsFileError(`${fileLabel}: ${describePath(raw, issue.path)}: ${issue.message}`);
  }

  const warnings: string[] = [];
  const seen = new Set<string>();
  const products = parsed.data.products.map((entry, index): Product => {
    const fail = (field: string, message: string): never => {
      throw new ProductsFileError(`${fileLabel}: products[${index}] (${entry.id}) → ${field}: ${message}`);
    };
    if (seen.has(entry.id)) fail('id', `"${entry.id}" is listed twice`);
    seen.add(entry.id);
    const endpointIds = new Set<string>();
    for (const [position, endpoint] of entry.endpoints.entries()) {
      if (endpointIds.has(endpoint.id)) fail(`endpoints[${position}].id`, `"${endpoint.id}" is listed twice`);
      endpointIds.add(endpoint.id);
    }

    const base = upstreamBase(entry, environment, fail);
    const basePath = base.pathname.replace(/\/+$/, '');
    let credentialHeader: Product['credentialHeader'] = null;
    let unavailableReason: string | null = null;
    if (entry.credential) {
      const secret = environment[entry.credential.env]?.trim();
      if (secret) {
        credentialHeader = { name: entry.credential.header.toLowerCase(), value: entry.credential.scheme ? `${entry.credential.scheme} ${secret}` : secret };
      } else {
        unavailableReason = `${entry.name} is not configured on this server yet.`;
        if (entry.status === 'live') warnings.push(`product ${entry.id}: ${entry.credential.env} is not set; its calls answer 503 until it is`);
      }
    }

    return {
      id: entry.id,
      name: entry.name,
      description: entry.description,
      descriptionRu: entry.description_ru ?? null,
      status: entry.status,
      upstreamOrigin: base.origin,
      credentialHeader,
      unavailableReason,
      timeoutMs: entry.timeout_ms,
      rateLimit: { requests: entry.rate_limit.requests, windowSeconds: entry.rate_limit.window_seconds },
      maxBodyBytes: entry.max_body_bytes,
      responseHeaders: new Set(entry.response_headers.map((name) => name.toLowerCase())),
      endpoints: new Map(
        entry.endpoints.map((endpoint) => [
          endpoint.id,
          {
            id: endpoint.id,
            productId: entry.id,
            path: endpoint.path,
            priceMicros: endpoint.price_micros,
            streaming: endpoint.streaming,
            description: endpoint.description,
            descriptionRu: endpoint.description_ru ?? null,
            exampleBody: endpoint.example,
            upstreamPath: basePath + endpoint.path,
          },
        ]),
      ),
    };
  });

  const byId = new Map(products.map((product) => [product.id, product]));
  const ids = products.map((product) => product.id);
  return {
    products,
    // Map lookups only: an id that is not configured can never select an upstream.
    get: (productId) => byId.get(productId),
    ids: () => ids,
    warnings,
  };
}

/** The catalog with `extra` products appended (the built-in demo); an id the file already uses stops the server. */
export function withProducts(catalog: ProductCatalog, extra: Product[], fileLabel: string): ProductCatalog {
  for (const product of extra) {
    if (catalog.get(product.id))
      throw new ProductsFileError(`${fileLabel}: product id "${product.id}" is reserved for the built-in demo product (KIKUAI_DEMO_PRODUCT)`);
  }
  const products = [...catalog.products, ...extra];
  const byId = new Map(products.map((product) => [product.id, product]));
  const ids = products.map((product) => product.id);
  return { products, get: (productId) => byId.get(productId), ids: () => ids, warnings: catalog.warnings };
}

export function loadProductCatalog(file: string, environment: Environment): ProductCatalog {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ProductsFileError(
      `${file}: cannot read the products file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); set KIKUAI_PRODUCTS_FILE`,
    );
  }
  return parseProductCatalog(text, file, environment);
}

/**
 * The API's view of a product (openapi.yaml `Product`), its URLs and examples on `baseUrl`
 * (the server's public address): never the upstream or its credential.
 */
export function presentProduct(product: Product, baseUrl: string, language: 'en' | 'ru' = 'en'): components['schemas']['Product'] {
  const inLanguage = (item: { description: string; descriptionRu: string | null }) => (language === 'ru' && item.descriptionRu) || item.description;
  return {
    id: product.id,
    name: product.name,
    description: inLanguage(product),
    status: product.status,
    endpoints: [...product.endpoints.values()].map((endpoint) => ({
      id: endpoint.id,
      method: 'POST' as const,
      path: endpoint.path,
      url: baseUrl + proxyPath(endpoint),
      price_micros: endpoint.priceMicros,
      price_usd: microsToUsd(endpoint.priceMicros),
      streaming: endpoint.streaming,
      description: inLanguage(endpoint),
      example: callExample(baseUrl, endpoint),
    })),
    rate_limit: { requests: product.rateLimit.requests, window_seconds: product.rateLimit.windowSeconds },
    timeout_ms: product.timeoutMs,
    max_body_bytes: product.maxBodyBytes,
    docs_url: `${baseUrl}/docs`,
  };
}
