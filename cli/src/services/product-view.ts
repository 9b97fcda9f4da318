import { formatBytes, type Product } from '@kikuai/sdk';
import { formatUsd } from './money.js';
import { renderTable } from './table.js';
import type { Paint } from './terminal.js';

export function renderProductTable(products: readonly Product[], paint: Paint): string {
  if (products.length === 0) return 'No products.';
  return renderTable(
    products,
    [
      { header: 'ID', value: (product) => product.id },
      { header: 'NAME', value: (product) => product.name },
      { header: 'STATUS', value: (product) => (product.status === 'live' ? paint.green('live') : paint.yellow(product.status)) },
      { header: 'ENDPOINTS', value: (product) => product.endpoints.map((endpoint) => `${endpoint.id} ${formatUsd(endpoint.price_micros)}`).join(', ') },
      { header: 'DESCRIPTION', value: (product) => product.description },
    ],
    { header: paint.bold },
  );
}

/** A product's page: status, limits, the price table, then each endpoint's method, URL and ready-to-run lines. */
export function renderProductDetails(product: Product, paint: Paint): string {
  const head = [
    `${paint.bold(product.name)} (${product.id}) ${product.status === 'live' ? paint.green('live') : paint.yellow(product.status)}`,
    product.description,
    `Limits: ${product.rate_limit.requests} requests per ${product.rate_limit.window_seconds} s per account · ` +
      `request body up to ${formatBytes(product.max_body_bytes)} · the answer must begin within ${Math.ceil(product.timeout_ms / 1000)} s (else refunded)`,
    `Docs: ${product.docs_url}`,
    '',
  ];
  const table = renderTable(
    product.endpoints,
    [
      { header: 'ENDPOINT', value: (endpoint) => endpoint.id },
      { header: 'PRICE', align: 'right', value: (endpoint) => formatUsd(endpoint.price_micros) },
      { header: 'STREAMS', value: (endpoint) => (endpoint.streaming ? 'yes' : 'no') },
      { header: 'DESCRIPTION', value: (endpoint) => endpoint.description },
    ],
    { header: paint.bold },
  );
  const examples = product.endpoints.flatMap((endpoint) => [
    '',
    `${paint.bold(endpoint.id)}  ${endpoint.method} ${endpoint.url}`,
    '  curl (key in KIKUAI_API_KEY):',
    `    ${endpoint.example.curl}`,
    '  SDK (Node 20+):',
    `    ${endpoint.example.sdk}`,
    '  CLI:',
    `    ${endpoint.example.cli}`,
  ]);
  return [...head, table, ...examples].join('\n');
}
