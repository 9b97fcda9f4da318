import type { Product } from '@kikuai/sdk';
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

export function renderProductDetails(product: Product, paint: Paint): string {
  const head = [
    `${paint.bold(product.name)} (${product.id}) ${product.status === 'live' ? paint.green('live') : paint.yellow(product.status)}`,
    product.description,
    `Rate limit: ${product.rate_limit.requests} requests per ${product.rate_limit.window_seconds} s`,
    '',
  ];
  const table = renderTable(
    product.endpoints,
    [
      { header: 'ENDPOINT', value: (endpoint) => endpoint.id },
      { header: 'PRICE', align: 'right', value: (endpoint) => formatUsd(endpoint.price_micros) },
      { header: 'STREAMS', value: (endpoint) => (endpoint.streaming ? 'yes' : 'no') },
      { header: 'CALL', value: (endpoint) => `kikuai call ${product.id} ${endpoint.id}` },
      { header: 'DESCRIPTION', value: (endpoint) => endpoint.description },
    ],
    { header: paint.bold },
  );
  return [...head, table].join('\n');
}
