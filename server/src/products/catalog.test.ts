import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseProductCatalog, presentProduct, ProductsFileError, withProducts } from './catalog.js';
import { quickstart } from './examples.js';
import { demoProduct } from './demo.js';

const shipped = readFileSync(fileURLToPath(new URL('../../../config/products.yaml', import.meta.url)), 'utf8');

const minimal = (product: string) => `products:\n${product}`;
const reliapi = (extra = '', endpoint = '{ id: llm, path: /proxy/llm, price_micros: 1000 }') => `  - id: reliapi
    name: ReliAPI
    status: live
    upstream_url_env: RELIAPI_URL
    upstream_url_default: https://reliapi.example
    rate_limit: { requests: 10, window_seconds: 60 }
    endpoints:
      - ${endpoint}
${extra}`;

function errorOf(text: string, environment: Record<string, string> = {}): string {
  try {
    parseProductCatalog(text, 'products.yaml', environment);
  } catch (error) {
    expect(error).toBeInstanceOf(ProductsFileError);
    return (error as Error).message;
  }
  throw new Error('expected the file to be refused');
}

const BASE = 'https://api.kikuai.example';

describe('the products file', () => {
  it('ships reliapi (live: llm and http at $0.001 per request) and routellm (soon)', () => {
    const catalog = parseProductCatalog(shipped, 'config/products.yaml', { RELIAPI_URL: 'http://127.0.0.1:7001/base', RELIAPI_API_KEY: 'secret-value' });
    expect(catalog.ids()).toEqual(['reliapi', 'routellm']);
    const product = catalog.get('reliapi')!;
    expect(product.status).toBe('live');
    expect(product.upstreamOrigin).toBe('http://127.0.0.1:7001');
    expect(product.endpoints.get('llm')!.upstreamPath).toBe('/base/proxy/llm');
    expect(product.endpoints.get('http')!.upstreamPath).toBe('/base/proxy/http');
    expect(product.credentialHeader).toEqual({ name: 'authorization', value: 'Bearer secret-value' });
    expect(presentProduct(product, BASE).endpoints.map((endpoint) => [endpoint.id, endpoint.price_micros, endpoint.price_usd])).toEqual([
      ['llm', 1000, '0.001000'],
      ['http', 1000, '0.001000'],
    ]);
    expect(catalog.get('routellm')!.status).toBe('soon');
    expect(JSON.stringify(presentProduct(product, BASE))).not.toContain('secret-value');
  });

  it('uses the default URL when the variable is unset, and warns when a live credential is missing', () => {
    const catalog = parseProductCatalog(shipped, 'config/products.yaml', {});
    expect(catalog.get('reliapi')!.upstreamOrigin).toBe('https://reliapi.kikuai.dev');
    expect(catalog.get('reliapi')!.unavailableReason).toMatch(/not configured/);
    expect(catalog.warnings).toEqual(['product reliapi: RELIAPI_API_KEY is not set; its calls answer 503 until it is']);
  });

  it('names the file, the product and the field of a mistake', () => {
    expect(errorOf(minimal(reliapi('', '{ id: llm, path: /proxy/llm, price_micros: 0.001 }')))).toBe(
      'products.yaml: products[0] (reliapi) → endpoints[0].price_micros: must be a whole number of micro-USD',
    );
    expect(errorOf(minimal(reliapi().replace('status: live', 'status: beta')))).toMatch(/^products\.yaml: products\[0\] \(reliapi\) → status: /);
    expect(errorOf(minimal(reliapi('    price: 1\n')))).toMatch(/^products\.yaml: products\[0\] \(reliapi\): Unrecognized key\(s\) in object: 'price'/);
    expect(errorOf('products: [')).toMatch(/^products\.yaml: not valid YAML/);
  });

  it('refuses endpoint paths that could leave the configured path', () => {
    for (const path of ['/proxy/../admin', '//evil.example/x', '/proxy/%2e%2e/x', '/proxy?x=1', 'proxy/llm', '/a/./b']) {
      expect(errorOf(minimal(reliapi('', `{ id: llm, path: "${path}", price_micros: 1000 }`))), path).toMatch(/endpoints\[0\]\.path: must/);
    }
  });

  it('refuses upstream URLs that are not plain http(s) base URLs', () => {
    const cases: Array<[string, RegExp]> = [
      ['ftp://reliapi.example', /RELIAPI_URL \(environment\): must be an http: or https: URL/],
      ['https://user:pw@reliapi.example', /must not carry a user name or password/],
      ['https://reliapi.example/?next=http://evil', /must not have a query or fragment/],
      ['not a url', /is not a URL/],
    ];
    for (const [url, message] of cases) expect(errorOf(minimal(reliapi()), { RELIAPI_URL: url })).toMatch(message);
  });

  it("lets a product's own response headers through, but never one that leaks the upstream or a credential", () => {
    const catalog = parseProductCatalog(minimal(reliapi('    response_headers: [X-Reliapi-Cache, OpenAI-Processing-Ms]')), 'products.yaml', {});
    expect([...catalog.get('reliapi')!.responseHeaders]).toEqual(['x-reliapi-cache', 'openai-processing-ms']);
    for (const name of ['Location', 'Set-Cookie', 'Authorization', 'X-Kikuai-Cost-Micros', 'RateLimit-Remaining']) {
      expect(errorOf(minimal(reliapi(`    response_headers: [${name}]`)))).toContain('response_headers[0]: is a header kikuai never passes to the customer');
    }
  });

  it('refuses a product or an endpoint listed twice', () => {
    expect(errorOf(minimal(reliapi() + reliapi()))).toMatch(/products\[1\] \(reliapi\) → id: "reliapi" is listed twice/);
  });

  it('adds the demo product when asked, and refuses a file that already uses its id', () => {
    const catalog = withProducts(parseProductCatalog(minimal(reliapi()), 'products.yaml', {}), [demoProduct()], 'products.yaml');
    expect(catalog.ids()).toEqual(['reliapi', 'demo']);
    expect(presentProduct(catalog.get('demo')!, BASE).endpoints.map((endpoint) => [endpoint.id, endpoint.price_micros])).toEqual([['echo', 100]]);
    const taken = parseProductCatalog(minimal(reliapi().replace('id: reliapi', 'id: demo')), 'products.yaml', {});
    expect(() => withProducts(taken, [demoProduct()], 'products.yaml')).toThrow(/"demo" is reserved for the built-in demo product/);
  });

  it("shows each endpoint's full URL, the limits and a working example on the base URL", () => {
    const catalog = parseProductCatalog(shipped, 'config/products.yaml', {});
    const page = presentProduct(catalog.get('reliapi')!, BASE);
    expect(page).toMatchObject({
      rate_limit: { requests: 600, window_seconds: 60 },
      timeout_ms: 60_000,
      max_body_bytes: 100 * 1024 * 1024,
      docs_url: `${BASE}/docs`,
    });
    const http = page.endpoints.find((endpoint) => endpoint.id === 'http')!;
    expect(http.url).toBe(`${BASE}/api/v1/proxy/reliapi/http`);
    expect(http.example.body).toEqual({ target: 'example', method: 'GET', path: '/status' });
    expect(http.example.curl).toBe(
      `curl -sS -X POST ${BASE}/api/v1/proxy/reliapi/http -H "Authorization: Bearer $KIKUAI_API_KEY" -H "Content-Type: application/json" -d '{"target":"example","method":"GET","path":"/status"}'`,
    );
    expect(http.example.cli).toBe(`npx kikuai call reliapi http --data '{"target":"example","method":"GET","path":"/status"}'`);
    expect(http.example.sdk).toContain(`kikuai.proxy.call('reliapi', 'http', { target: 'example', method: 'GET', path: '/status' })`);
  });

  it('quotes an example body for the shell whatever it holds', () => {
    const catalog = parseProductCatalog(
      minimal(reliapi('', `{ id: http, path: /proxy/http, price_micros: 1000, example: { text: "it's $HOME \\"x\\"" } }`)),
      'products.yaml',
      {},
    );
    const example = presentProduct(catalog.get('reliapi')!, BASE).endpoints[0]!.example;
    // What the shell hands the program: the words after `--data` and `-e`, printed by printf.
    const asShellSees = (line: string, program: string) => execFileSync('sh', ['-c', line.replace(program, 'printf %s ')], { encoding: 'utf8' });
    expect(asShellSees(example.cli, 'npx kikuai call reliapi http --data ')).toBe(JSON.stringify({ text: `it's $HOME "x"` }));
    expect(asShellSees(example.sdk, 'npm i @kikuai/sdk && node --input-type=module -e ')).toContain(
      `kikuai.proxy.call('reliapi', 'http', { text: 'it\\'s $HOME "x"' })`,
    );
  });

  it('picks the demo for the quickstart when it is on, else the first live endpoint that does not stream', () => {
    const file = parseProductCatalog(shipped, 'config/products.yaml', {});
    expect(quickstart(BASE, file.products)).toMatchObject({ product_id: 'reliapi', endpoint_id: 'http', base_url: BASE, docs_url: `${BASE}/docs` });
    const withDemo = withProducts(file, [demoProduct()], 'config/products.yaml');
    const lines = quickstart(BASE, withDemo.products)!;
    expect(lines).toMatchObject({ product_id: 'demo', endpoint_id: 'echo', url: `${BASE}/api/v1/proxy/demo/echo` });
    expect(lines.cli).toBe(`npx kikuai login --base-url ${BASE} && npx kikuai call demo echo --data '{"hello":"kikuai"}'`);
  });
});
