/**
 * The built-in demo product, listed only when the operator sets `KIKUAI_DEMO_PRODUCT=1`:
 * one endpoint, `POST /api/v1/proxy/demo/echo`, answered by an echo upstream inside this
 * process (`proxy/echo-upstream.ts`). It goes through the whole metered path (the
 * reservation, the ledger's debit, usage) and needs no network and no credential, so a
 * server without Telegram or any upstream can still make a charged call.
 */
import type { Product } from './catalog.js';

export const DEMO_PRODUCT_ID = 'demo';
/** $0.0001 a call: visible in the balance, ten thousand calls to the dollar. */
export const DEMO_PRICE_MICROS = 100;

export function demoProduct(): Product {
  return {
    id: DEMO_PRODUCT_ID,
    name: 'Demo echo',
    description: 'Offline demo built into this server (KIKUAI_DEMO_PRODUCT): answers with the JSON body it was sent. Metered like any product.',
    descriptionRu: 'Офлайн-демо, встроенное в этот сервер (KIKUAI_DEMO_PRODUCT): отвечает тем JSON, что ему прислали. Списывается как любой продукт.',
    status: 'live',
    // Never dialled: the echo upstream's pool connects to the server's own echo listener.
    upstreamOrigin: 'http://demo.invalid',
    builtInEcho: true,
    credentialHeader: null,
    unavailableReason: null,
    timeoutMs: 10_000,
    rateLimit: { requests: 600, windowSeconds: 60 },
    maxBodyBytes: 64 * 1024,
    responseHeaders: new Set(),
    endpoints: new Map([
      [
        'echo',
        {
          id: 'echo',
          productId: DEMO_PRODUCT_ID,
          path: '/echo',
          priceMicros: DEMO_PRICE_MICROS,
          streaming: false,
          description: 'Answers {"echo": <the body you sent>}.',
          descriptionRu: 'Отвечает {"echo": <присланное тело>}.',
          exampleBody: { hello: 'kikuai' },
          upstreamPath: '/echo',
        },
      ],
    ]),
  };
}
