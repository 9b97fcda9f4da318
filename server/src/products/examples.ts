/**
 * The lines every face shows for a product endpoint (its page) and for a new key (the
 * quickstart): curl, the SDK and the CLI, on this server's public base URL. Built here,
 * once, so the bot, the Mini App, the CLI and `/docs` never drift apart; the faces only
 * display what `listProducts`/`getProduct` hand them.
 *
 * The key is never in these lines: curl reads the shell variable `$KIKUAI_API_KEY`, the
 * SDK line `process.env.KIKUAI_API_KEY`, the CLI the key `kikuai login` stored.
 */
import type { components } from '@kikuai/sdk/contract';
import type { Product, ProductEndpoint } from './catalog.js';

type CallExample = components['schemas']['CallExample'];
type Quickstart = components['schemas']['Quickstart'];

/** What a face may replace with the secret when it shows the secret beside the lines. */
export const API_KEY_PLACEHOLDER = '$KIKUAI_API_KEY';

/** The metered proxy's path of an endpoint, as `callProduct` serves it. */
export const proxyPath = (endpoint: ProductEndpoint): string => `/api/v1/proxy/${endpoint.productId}/${endpoint.id}`;

/** `text` as one single-quoted POSIX shell word. */
const singleQuoted = (text: string): string => `'${text.replaceAll("'", `'\\''`)}'`;

/** `text` safe inside a double-quoted POSIX shell word (only `\ " $ backquote` are special there). */
const insideDoubleQuotes = (text: string): string => text.replace(/[\\"$`]/g, (character) => `\\${character}`);

/** A JSON value as a JavaScript literal with single-quoted strings and bare keys where they may be bare. */
function javascriptLiteral(value: unknown): string {
  if (typeof value === 'string') return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n')}'`;
  if (Array.isArray(value)) return `[${value.map(javascriptLiteral).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([key, item]) => `${/^[A-Za-z_$][\w$]*$/.test(key) ? key : javascriptLiteral(key)}: ${javascriptLiteral(item)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}

export function callExample(baseUrl: string, endpoint: ProductEndpoint): CallExample {
  const body = endpoint.exampleBody;
  const json = singleQuoted(JSON.stringify(body));
  const script =
    `import { createKikuaiClient } from '@kikuai/sdk'; ` +
    `const kikuai = createKikuaiClient({ baseUrl: '${baseUrl}', auth: { apiKey: process.env.KIKUAI_API_KEY } }); ` +
    `console.log((await kikuai.proxy.call('${endpoint.productId}', '${endpoint.id}', ${javascriptLiteral(body)})).data)`;
  return {
    body,
    curl: `curl -sS -X POST ${baseUrl}${proxyPath(endpoint)} -H "Authorization: Bearer ${API_KEY_PLACEHOLDER}" -H "Content-Type: application/json" -d ${json}`,
    sdk: `npm i @kikuai/sdk && node --input-type=module -e "${insideDoubleQuotes(script)}"`,
    cli: `npx kikuai call ${endpoint.productId} ${endpoint.id} --data ${json}`,
  };
}

/**
 * The endpoint of a new key's first call: the built-in demo when it is on (it needs no
 * upstream), else the first live, callable endpoint that answers without streaming.
 */
function firstCallEndpoint(products: readonly Product[]): ProductEndpoint | undefined {
  const live = products.filter((product) => product.status === 'live');
  const demo = live.find((product) => product.builtInEcho);
  const callable = live.filter((product) => product.unavailableReason === null);
  const candidates = [demo, ...callable, ...live].filter((product): product is Product => product !== undefined);
  const endpoints = candidates.flatMap((product) => [...product.endpoints.values()]);
  return endpoints.find((endpoint) => !endpoint.streaming) ?? endpoints[0];
}

export function quickstart(baseUrl: string, products: readonly Product[]): Quickstart | null {
  const endpoint = firstCallEndpoint(products);
  if (!endpoint) return null;
  const example = callExample(baseUrl, endpoint);
  return {
    base_url: baseUrl,
    docs_url: `${baseUrl}/docs`,
    product_id: endpoint.productId,
    endpoint_id: endpoint.id,
    url: baseUrl + proxyPath(endpoint),
    curl: example.curl,
    sdk: example.sdk,
    cli: `npx kikuai login --base-url ${baseUrl} && ${example.cli}`,
  };
}
