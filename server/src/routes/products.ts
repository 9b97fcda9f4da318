import type { FastifyRequest } from 'fastify';
import type { ServerContext } from '../context.js';
import { notFound } from '../http/problem.js';
import { presentProduct } from '../products/catalog.js';
import { quickstart } from '../products/examples.js';
import type { Handlers } from './types.js';

export function productRoutes(context: ServerContext): Handlers {
  const catalog = context.products;
  const publicUrl = context.config.publicUrl?.replace(/\/+$/, '');
  // Without KIKUAI_PUBLIC_URL the examples use the address the caller reached (a local
  // server, the Mini App's own origin): the lines work for whoever asked.
  const baseUrlOf = (request: FastifyRequest) => publicUrl ?? `${request.protocol}://${request.host}`;

  return {
    async listProducts(request) {
      const baseUrl = baseUrlOf(request);
      return { data: catalog.products.map((product) => presentProduct(product, baseUrl)), quickstart: quickstart(baseUrl, catalog.products) };
    },

    async getProduct(request) {
      const { product_id: productId } = request.params;
      const product = catalog.get(productId);
      if (!product) throw notFound(`Product ${productId}`);
      return presentProduct(product, baseUrlOf(request));
    },
  };
}
