import type { ServerContext } from '../context.js';
import { notFound } from '../http/problem.js';
import { presentProduct } from '../products/catalog.js';
import type { Handlers } from './types.js';

export function productRoutes(context: ServerContext): Handlers {
  const catalog = context.products;
  const list = { data: catalog.products.map(presentProduct) };
  return {
    async listProducts() {
      return list;
    },

    async getProduct(request) {
      const { product_id: productId } = request.params;
      const product = catalog.get(productId);
      if (!product) throw notFound(`Product ${productId}`);
      return presentProduct(product);
    },
  };
}
