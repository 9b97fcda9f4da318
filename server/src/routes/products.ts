import type { FastifyReply, FastifyRequest } from 'fastify';
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
  // Descriptions follow the reader's first language (`Accept-Language`); the faces send the user's.
  const languageOf = (request: FastifyRequest, reply: FastifyReply): 'en' | 'ru' => {
    const language = /^\s*ru\b/i.test(request.headers['accept-language'] ?? '') ? 'ru' : 'en';
    void reply.header('content-language', language).header('vary', 'Accept-Language');
    return language;
  };

  return {
    async listProducts(request, reply) {
      const baseUrl = baseUrlOf(request);
      const language = languageOf(request, reply);
      return { data: catalog.products.map((product) => presentProduct(product, baseUrl, language)), quickstart: quickstart(baseUrl, catalog.products) };
    },

    async getProduct(request, reply) {
      const { product_id: productId } = request.params;
      const product = catalog.get(productId);
      if (!product) throw notFound(`Product ${productId}`);
      return presentProduct(product, baseUrlOf(request), languageOf(request, reply));
    },
  };
}
