/**
 * One undici Pool per product, to the product's configured origin only, with
 * keep-alive connections reused across calls. A pool can reach nothing but its origin:
 * undici takes the request's path relative to it, and the path always comes from the
 * products file. The built-in demo product's pool reaches its echo server in this
 * process instead (`echo-upstream.ts`).
 */
import { Pool } from 'undici';
import type { ProductCatalog } from '../products/catalog.js';
import { EchoUpstream } from './echo-upstream.js';

const CONNECTIONS_PER_UPSTREAM = 256;

export class Upstreams {
  private readonly pools = new Map<string, Pool>();
  private readonly echoes: EchoUpstream[] = [];

  constructor(catalog: ProductCatalog) {
    for (const product of catalog.products) {
      if (product.status !== 'live') continue;
      if (product.builtInEcho) {
        const echo = new EchoUpstream(product);
        this.echoes.push(echo);
        this.pools.set(product.id, echo.pool());
        continue;
      }
      this.pools.set(
        product.id,
        new Pool(product.upstreamOrigin, {
          connections: CONNECTIONS_PER_UPSTREAM,
          keepAliveTimeout: 30_000,
          keepAliveMaxTimeout: 600_000,
          connectTimeout: Math.min(product.timeoutMs, 10_000),
          headersTimeout: product.timeoutMs,
          bodyTimeout: product.timeoutMs,
        }),
      );
    }
  }

  pool(productId: string): Pool | undefined {
    return this.pools.get(productId);
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((pool) => pool.close().catch(() => pool.destroy())));
    await Promise.all(this.echoes.map((echo) => echo.close()));
  }
}
