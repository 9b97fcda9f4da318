/**
 * The Paddle API calls the server makes, through @paddle/paddle-node-sdk. The SDK has no
 * base-URL option, but takes an environment string it does not know as the base URL
 * (PITFALLS.md): tests and self-hosted proxies set `PADDLE_API_URL`. The SDK has no
 * timeout either, so each call is raced against one.
 */
import { ApiError, Environment, Paddle, type Transaction } from '@paddle/paddle-node-sdk';
import type { Config } from '../config.js';

export class PaddleCallError extends Error {
  override name = 'PaddleCallError';
  constructor(
    readonly operation: string,
    /** Paddle's error code (`bad_request`, `forbidden`, `not_found`…), or `timeout` / `network`. */
    readonly code: string,
    detail: string,
  ) {
    super(`Paddle ${operation} failed (${code}): ${detail}`);
  }
}

/** What a top-up checkout needs from Paddle. */
export interface CheckoutTransaction {
  id: string;
  status: string;
  checkoutUrl: string | null;
  customData: Record<string, unknown> | null;
  /** Minor units as Paddle reports them (`details.totals.grand_total`), or null. */
  grandTotal: string | null;
  currencyCode: string;
  /** `details.totals` in minor units (strings, as Paddle sends them), or null. */
  totals: PaddleTotals | null;
}

/** The parts of a transaction's `details.totals` a top-up's credit is checked against. */
export interface PaddleTotals {
  subtotal: string;
  discount: string;
  tax: string;
  total: string;
  currencyCode: string | null;
}

export interface PaddleApi {
  readonly configured: boolean;
  createTopupTransaction(input: {
    amountCents: number;
    description: string;
    customData: Record<string, string>;
    checkoutUrl: string | null;
  }): Promise<CheckoutTransaction>;
  getTransaction(transactionId: string): Promise<CheckoutTransaction | null>;
}

const TIMEOUT_MS = 10_000;

function present(transaction: Transaction): CheckoutTransaction {
  return {
    id: transaction.id,
    status: transaction.status,
    checkoutUrl: transaction.checkout?.url ?? null,
    customData: transaction.customData ?? null,
    grandTotal: transaction.details?.totals?.grandTotal ?? null,
    currencyCode: transaction.currencyCode,
    totals: transaction.details?.totals
      ? {
          subtotal: transaction.details.totals.subtotal,
          discount: transaction.details.totals.discount,
          tax: transaction.details.totals.tax,
          total: transaction.details.totals.total,
          currencyCode: transaction.details.totals.currencyCode ?? null,
        }
      : null,
  };
}

async function guarded<T>(operation: string, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PaddleCallError(operation, 'timeout', `no answer within ${TIMEOUT_MS / 1000} s`)), TIMEOUT_MS);
  });
  try {
    return await Promise.race([run(), timeout]);
  } catch (error) {
    if (error instanceof PaddleCallError) throw error;
    if (error instanceof ApiError) throw new PaddleCallError(operation, error.code, error.detail);
    throw new PaddleCallError(operation, 'network', (error as Error).message);
  } finally {
    clearTimeout(timer);
  }
}

export function createPaddleApi(config: Config['paddle']): PaddleApi {
  const client = config.apiKey
    ? new Paddle(config.apiKey, {
        environment: (config.apiUrl ?? (config.environment === 'production' ? Environment.production : Environment.sandbox)) as Environment,
      })
    : null;
  const requireClient = () => {
    if (!client) throw new PaddleCallError('call', 'not_configured', 'PADDLE_API_KEY is not set');
    return client;
  };
  return {
    configured: client !== null,
    async createTopupTransaction(input) {
      const paddle = requireClient();
      return guarded('create transaction', async () =>
        present(
          await paddle.transactions.create({
            items: [
              {
                quantity: 1,
                price: {
                  description: input.description,
                  name: input.description,
                  // The amount is what the customer pays; tax is included in it.
                  taxMode: 'internal',
                  unitPrice: { amount: String(input.amountCents), currencyCode: 'USD' },
                  quantity: { minimum: 1, maximum: 1 },
                  product: { name: 'kikuai balance top-up', taxCategory: 'standard' },
                },
              },
            ],
            currencyCode: 'USD',
            collectionMode: 'automatic',
            // Top level: the SDK renames the keys of nested custom data.
            customData: input.customData,
            ...(input.checkoutUrl ? { checkout: { url: input.checkoutUrl } } : {}),
          }),
        ),
      );
    },
    async getTransaction(transactionId) {
      const paddle = requireClient();
      try {
        return await guarded('get transaction', async () => present(await paddle.transactions.get(transactionId)));
      } catch (error) {
        if (error instanceof PaddleCallError && error.code === 'not_found') return null;
        throw error;
      }
    },
  };
}
