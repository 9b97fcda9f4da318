/**
 * What every route module gets: configuration, the store and the in-process helpers
 * that keep the hot path at one store round trip. Built once by the composition root
 * (`composition.ts`), which also stops what needs stopping.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Store } from './store/types.js';
import { KeyIndex, KeyUsageRecorder } from './auth/key-index.js';
import { ServerEventBus } from './events.js';
import { loadProductCatalog, withProducts, type ProductCatalog } from './products/catalog.js';
import { demoProduct } from './products/demo.js';
import { resolveIdempotencySecret } from './http/idempotency.js';

export interface ServerContext {
  config: Config;
  store: Store;
  logger: FastifyBaseLogger;
  keyIndex: KeyIndex;
  keyUsage: KeyUsageRecorder;
  /** The clock; tests may pin it. */
  now: () => Date;
  events: ServerEventBus;
  /** The products of `config.productsFile`, read and validated at start-up. */
  products: ProductCatalog;
  /** The ids of the configured products, to validate key scopes. */
  productIds?: () => string[];
  /** Seals the answers kept for `Idempotency-Key` (`http/idempotency.ts`). */
  idempotencySecret: Buffer;
}

export function createContext(config: Config, store: Store, logger: FastifyBaseLogger, now: () => Date = () => new Date()): ServerContext {
  const keyUsage = new KeyUsageRecorder(store, logger);
  const fromFile = loadProductCatalog(config.productsFile, config.environment);
  const products = config.demoProduct ? withProducts(fromFile, [demoProduct()], config.productsFile) : fromFile;
  for (const warning of products.warnings) logger.warn(warning);
  const idempotency = resolveIdempotencySecret({ configured: config.idempotencySecret, storeKind: store.kind, dataDir: config.dataDir });
  if (idempotency.source === 'process') {
    logger.warn(
      'KIKUAI_IDEMPOTENCY_SECRET is not set: answers kept for Idempotency-Key are sealed with a secret of this process only; a replay reaching another instance or a restarted one is refused with 409. Set it (the same on every instance).',
    );
  }
  return {
    config,
    store,
    logger,
    keyIndex: new KeyIndex(store),
    keyUsage,
    now,
    events: new ServerEventBus(),
    products,
    productIds: products.ids,
    idempotencySecret: idempotency.secret,
  };
}
