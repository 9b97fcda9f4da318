import type { RequestOptions } from '../request-options.js';
import type { Product, ProductList } from '../types.js';
import { unwrap, type ResourceContext } from './context.js';

/**
 * The products sold through kikuai and their prices (no credentials needed): `kikuai.products`.
 *
 * @example
 * ```ts
 * const { data } = await kikuai.products.list();
 * for (const product of data) console.log(product.id, product.status);
 * ```
 */
export interface ProductsResource {
  /**
   * Every product.
   *
   * @example
   * ```ts
   * const { data: products } = await kikuai.products.list();
   * ```
   */
  list(options?: RequestOptions): Promise<ProductList>;
  /**
   * One product with its endpoints and prices.
   *
   * @example
   * ```ts
   * const reliapi = await kikuai.products.get('reliapi');
   * console.log(reliapi.endpoints.map((endpoint) => `${endpoint.id}: ${endpoint.price_usd} USD`));
   * ```
   */
  get(productId: string, options?: RequestOptions): Promise<Product>;
}

export function createProductsResource(context: ResourceContext): ProductsResource {
  const { raw } = context;
  return {
    list: (options) => unwrap(raw.GET('/api/v1/products', context.init(options))),
    get: (productId, options) => unwrap(raw.GET('/api/v1/products/{product_id}', { params: { path: { product_id: productId } }, ...context.init(options) })),
  };
}
