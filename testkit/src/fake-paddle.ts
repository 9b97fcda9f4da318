/**
 * A local stand-in for Paddle Billing's API and webhooks, speaking its wire format for
 * the calls kikuai makes:
 *
 * - `POST /transactions` → `201 { data: <transaction>, meta: { request_id } }`, the
 *   transaction `ready`, its `checkout.url` = `<default payment link>?_ptxn=txn_…`,
 *   `custom_data` echoed, `payments: []`;
 * - `GET /transactions/{id}` → `200 { data, meta }`, or 404;
 * - errors as `{ error: { type, code, detail, documentation_url }, meta }`.
 *
 * The real SDK reaches it through `new Paddle(key, { environment: fake.apiUrl })` (the
 * SDK takes an unknown environment string as its base URL), i.e. the server's
 * `PADDLE_API_URL`. Every request is recorded. `deliver` signs an event and POSTs it to
 * a webhook URL exactly as Paddle does (`Paddle-Signature: ts=…;h1=<hex HMAC-SHA256 of
 * "ts:body">`).
 *
 *   const paddle = await startFakePaddle();
 *   const server = await startTestServer({ env: paddle.env });
 *   // … create a top-up, then pay it:
 *   await paddle.deliver(`${server.url}/api/v1/webhooks/paddle`, paddle.completeTransaction(txnId));
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';

export interface PaddleRecordedRequest {
  method: string;
  /** Path and query, e.g. `/transactions`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (undefined when none): only POST /transactions sends one, read as Paddle documents it. */
  body: PaddleCreateTransactionBody | undefined;
  at: number;
}

export interface PaddleApiError {
  type: 'request_error' | 'api_error';
  code: string;
  detail: string;
}

/** A transaction as Paddle's API returns it (snake_case JSON). */
export interface PaddleTransaction {
  id: string;
  status: string;
  customer_id: string | null;
  address_id: string | null;
  business_id: string | null;
  custom_data: Record<string, unknown> | null;
  currency_code: string;
  origin: string;
  subscription_id: string | null;
  invoice_id: string | null;
  invoice_number: string | null;
  collection_mode: string;
  discount_id: string | null;
  billing_details: unknown;
  billing_period: unknown;
  items: unknown[];
  details: {
    tax_rates_used: unknown[];
    totals: PaddleTotals;
    adjusted_totals: PaddleTotals | null;
    payout_totals: unknown;
    adjusted_payout_totals: unknown;
    line_items: unknown[];
  };
  payments: unknown[];
  checkout: { url: string } | null;
  created_at: string;
  updated_at: string;
  billed_at: string | null;
  revised_at: string | null;
}

export type PaddleTotals = ReturnType<typeof totals>;

/** The part of Paddle's create-transaction body the fake reads. */
export interface PaddleCreateTransactionBody {
  items?: PaddleCreateTransactionItem[];
  currency_code?: string;
  customer_id?: string;
  address_id?: string;
  custom_data?: Record<string, unknown>;
  collection_mode?: string;
  checkout?: { url?: string };
}

export interface PaddleCreateTransactionItem {
  quantity?: number;
  price_id?: string;
  price?: {
    product_id?: string;
    description?: string;
    name?: string;
    tax_mode?: string;
    unit_price?: { amount?: unknown; currency_code?: string };
    quantity?: { minimum: number; maximum: number };
    custom_data?: Record<string, unknown>;
  };
}

/** A webhook notification as Paddle posts it. */
export interface PaddleEvent<Data extends object = Record<string, unknown>> {
  event_id: string;
  event_type: string;
  occurred_at: string;
  notification_id: string;
  data: Data;
}

export interface DeliverOptions {
  /** Default: the fake's `webhookSecret`. */
  secret?: string;
  /** Unix seconds of the signature; default: now. */
  ts?: number;
  /** Replace the whole `Paddle-Signature` header (null: send none). */
  signatureHeader?: string | null;
  /** Sign this body but send another (tampering tests). */
  sendBody?: string;
}

export interface DeliverResult {
  status: number;
  body: string;
}

export interface FakePaddle {
  /** Base URL of the fake API, no trailing slash: the server's `PADDLE_API_URL`. */
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly webhookSecret: string;
  readonly clientToken: string;
  /** The operator's default payment link (the server's `/pay` page in real life); settable. */
  defaultPaymentLink: string;
  /** Environment variables that point the server at this fake: spread into `startTestServer({ env })`. */
  readonly env: Record<string, string>;
  readonly requests: PaddleRecordedRequest[];
  requestsTo(method: string, pathPrefix: string): PaddleRecordedRequest[];
  /** The stored transaction (as the API would return it), or undefined. */
  transaction(id: string): PaddleTransaction | undefined;
  /** The next `count` API calls fail with this status and error. */
  failNext(status: number, error: PaddleApiError, count?: number): void;
  /** Marks the transaction paid and completed; returns its `transaction.completed` event. */
  completeTransaction(id: string, options?: { eventId?: string }): PaddleEvent<PaddleTransaction>;
  /** An adjustment event (refund, chargeback, chargeback_reverse…) for a transaction. */
  adjustmentEvent(
    transactionId: string,
    options: {
      action: 'refund' | 'chargeback' | 'chargeback_reverse' | 'chargeback_warning' | 'credit';
      status?: 'pending_approval' | 'approved' | 'rejected' | 'reversed';
      /** Minor units (cents) as a number; default: the transaction's whole total. */
      amountCents?: number;
      adjustmentId?: string;
      eventType?: 'adjustment.created' | 'adjustment.updated';
      eventId?: string;
    },
  ): PaddleEvent;
  /** Any event, wrapped as Paddle wraps it. */
  event<Data extends object>(eventType: string, data: Data, options?: { eventId?: string }): PaddleEvent<Data>;
  /** The `Paddle-Signature` header value for a raw body. */
  sign(rawBody: string, options?: { secret?: string; ts?: number }): string;
  /** Signs and POSTs an event (or a raw body) to `url` as Paddle does. */
  deliver(url: string, event: PaddleEvent<object> | string, options?: DeliverOptions): Promise<DeliverResult>;
  close(): Promise<void>;
}

const id = (prefix: string) => `${prefix}_01${randomBytes(13).toString('hex').slice(0, 24)}`;
const isoNow = () => new Date().toISOString();

export function signPaddleBody(rawBody: string, secret: string, ts: number): string {
  const h1 = createHmac('sha256', secret).update(`${ts}:${rawBody}`).digest('hex');
  return `ts=${ts};h1=${h1}`;
}

function totals(cents: number, currency: string) {
  return {
    subtotal: String(cents),
    discount: '0',
    tax: '0',
    total: String(cents),
    credit: '0',
    credit_to_balance: '0',
    balance: '0',
    grand_total: String(cents),
    grand_total_tax: '0',
    fee: null,
    earnings: null,
    currency_code: currency,
  };
}

export async function startFakePaddle(options: { apiKey?: string; webhookSecret?: string; defaultPaymentLink?: string } = {}): Promise<FakePaddle> {
  const apiKey = options.apiKey ?? `pdl_sdbx_apikey_${randomBytes(12).toString('hex')}`;
  const webhookSecret = options.webhookSecret ?? `pdl_ntfset_${randomBytes(16).toString('hex')}`;
  const clientToken = `test_${randomBytes(12).toString('hex')}`;
  const requests: PaddleRecordedRequest[] = [];
  const transactions = new Map<string, PaddleTransaction>();
  const failures: Array<{ status: number; error: PaddleApiError }> = [];
  let defaultPaymentLink = options.defaultPaymentLink ?? 'https://kikuai.example/pay';

  const meta = () => ({ request_id: randomUUID() });
  const errorBody = (error: PaddleApiError) => ({
    error: { ...error, documentation_url: `https://developer.paddle.com/errors/shared/${error.code}` },
    meta: meta(),
  });

  function createTransaction(parsed: unknown): { status: number; payload: unknown } {
    const body: PaddleCreateTransactionBody = typeof parsed === 'object' && parsed !== null ? parsed : {};
    const items: PaddleCreateTransactionItem[] = Array.isArray(body.items) ? body.items : [];
    const invalid = (field: string, message: string) => ({
      status: 400,
      payload: {
        error: {
          type: 'request_error',
          code: 'bad_request',
          detail: 'Invalid request.',
          documentation_url: 'https://developer.paddle.com/errors/shared/bad_request',
          errors: [{ field, message }],
        },
        meta: meta(),
      },
    });
    if (items.length === 0) return invalid('items', 'items is required');
    const currency = String(body.currency_code ?? 'USD');
    let totalCents = 0;
    const storedItems = [];
    for (const [index, item] of items.entries()) {
      const quantity = Number(item.quantity ?? 1);
      if (item.price_id) return invalid(`items[${index}].price_id`, 'the fake knows no catalog prices: send a non-catalog price');
      const amount = item.price?.unit_price?.amount;
      if (typeof amount !== 'string' || !/^\d+$/.test(amount)) return invalid(`items[${index}].price.unit_price.amount`, 'must be a string of minor units');
      if (!item.price?.description || !item.price.unit_price) return invalid(`items[${index}].price.description`, 'description is required');
      totalCents += Number(amount) * quantity;
      storedItems.push({
        price: {
          id: id('pri'),
          product_id: item.price.product_id ?? id('pro'),
          description: item.price.description,
          name: item.price.name ?? null,
          type: 'custom',
          billing_cycle: null,
          trial_period: null,
          tax_mode: item.price.tax_mode ?? 'account_setting',
          unit_price: { amount, currency_code: item.price.unit_price.currency_code ?? currency },
          unit_price_overrides: [],
          quantity: item.price.quantity ?? { minimum: 1, maximum: 1 },
          status: 'active',
          custom_data: item.price.custom_data ?? null,
          import_meta: null,
          created_at: isoNow(),
          updated_at: isoNow(),
        },
        quantity,
        proration: null,
      });
    }
    const transactionId = id('txn');
    const now = isoNow();
    const transaction: PaddleTransaction = {
      id: transactionId,
      status: 'ready',
      customer_id: body.customer_id ?? null,
      address_id: body.address_id ?? null,
      business_id: null,
      custom_data: body.custom_data ?? null,
      currency_code: currency,
      origin: 'api',
      subscription_id: null,
      invoice_id: null,
      invoice_number: null,
      collection_mode: body.collection_mode ?? 'automatic',
      discount_id: null,
      billing_details: null,
      billing_period: null,
      items: storedItems,
      details: {
        tax_rates_used: [],
        totals: totals(totalCents, currency),
        adjusted_totals: null,
        payout_totals: null,
        adjusted_payout_totals: null,
        line_items: [],
      },
      payments: [],
      checkout: { url: `${body.checkout?.url ?? defaultPaymentLink}?_ptxn=${transactionId}` },
      created_at: now,
      updated_at: now,
      billed_at: null,
      revised_at: null,
    };
    transactions.set(transactionId, transaction);
    return { status: 201, payload: { data: transaction, meta: meta() } };
  }

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const send = (status: number, payload: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(payload));
    };
    let body: PaddleCreateTransactionBody | undefined;
    try {
      body = raw ? (JSON.parse(raw) as PaddleCreateTransactionBody) : undefined;
    } catch {
      return send(400, errorBody({ type: 'request_error', code: 'bad_request', detail: 'Invalid JSON.' }));
    }
    const url = new URL(request.url ?? '/', 'http://localhost');
    requests.push({ method: request.method ?? 'GET', path: `${url.pathname}${url.search}`, headers: request.headers, body, at: Date.now() });

    const failure = failures.shift();
    if (failure) return send(failure.status, errorBody(failure.error));
    const authorization = request.headers.authorization ?? '';
    if (!/^bearer /i.test(authorization)) {
      return send(401, errorBody({ type: 'request_error', code: 'authentication_missing', detail: 'Authentication header missing' }));
    }
    if (authorization.slice(7).trim() !== apiKey) {
      return send(403, errorBody({ type: 'request_error', code: 'forbidden', detail: 'You do not have permission to perform this action' }));
    }

    if (request.method === 'POST' && url.pathname === '/transactions') {
      const result = createTransaction(body);
      return send(result.status, result.payload);
    }
    const match = /^\/transactions\/([^/]+)$/.exec(url.pathname);
    if (request.method === 'GET' && match) {
      const transaction = transactions.get(decodeURIComponent(match[1]!));
      if (!transaction) return send(404, errorBody({ type: 'request_error', code: 'not_found', detail: `Entity ${match[1]} not found` }));
      return send(200, { data: transaction, meta: meta() });
    }
    send(404, errorBody({ type: 'request_error', code: 'not_found', detail: `No route for ${request.method} ${url.pathname}` }));
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const apiUrl = `http://127.0.0.1:${port}`;

  const event = <Data extends object>(eventType: string, data: Data, eventOptions: { eventId?: string } = {}): PaddleEvent<Data> => ({
    event_id: eventOptions.eventId ?? id('evt'),
    event_type: eventType,
    occurred_at: isoNow(),
    notification_id: id('ntf'),
    data,
  });

  const sign = (rawBody: string, signOptions: { secret?: string; ts?: number } = {}) =>
    signPaddleBody(rawBody, signOptions.secret ?? webhookSecret, signOptions.ts ?? Math.floor(Date.now() / 1000));

  const requireTransaction = (transactionId: string) => {
    const transaction = transactions.get(transactionId);
    if (!transaction) throw new Error(`fake Paddle: no transaction ${transactionId}`);
    return transaction;
  };

  return {
    apiUrl,
    apiKey,
    webhookSecret,
    clientToken,
    get defaultPaymentLink() {
      return defaultPaymentLink;
    },
    set defaultPaymentLink(value: string) {
      defaultPaymentLink = value;
    },
    env: {
      PADDLE_API_KEY: apiKey,
      PADDLE_API_URL: apiUrl,
      PADDLE_WEBHOOK_SECRET: webhookSecret,
      PADDLE_CLIENT_TOKEN: clientToken,
      PADDLE_ENVIRONMENT: 'sandbox',
    },
    requests,
    requestsTo: (method, pathPrefix) => requests.filter((entry) => entry.method === method && entry.path.startsWith(pathPrefix)),
    transaction: (transactionId) => transactions.get(transactionId),
    failNext(status, error, count = 1) {
      for (let index = 0; index < count; index++) failures.push({ status, error });
    },
    completeTransaction(transactionId, completeOptions = {}) {
      const transaction = requireTransaction(transactionId);
      const now = isoNow();
      const total = transaction.details?.totals?.grand_total ?? '0';
      transaction.status = 'completed';
      transaction.billed_at = now;
      transaction.updated_at = now;
      transaction.customer_id ??= id('ctm');
      transaction.payments = [
        {
          amount: total,
          status: 'captured',
          created_at: now,
          captured_at: now,
          error_code: null,
          method_details: { type: 'card', card: { type: 'visa', last4: '4242', expiry_year: 2030, expiry_month: 1, cardholder_name: 'Test' } },
          payment_method_id: id('paymtd'),
          payment_attempt_id: randomUUID(),
          stored_payment_method_id: randomUUID(),
        },
      ];
      return event('transaction.completed', structuredClone(transaction), completeOptions);
    },
    adjustmentEvent(transactionId, adjustment) {
      const transaction = transactions.get(transactionId);
      const currency = transaction?.currency_code ?? 'USD';
      const cents = adjustment.amountCents ?? Number(transaction?.details?.totals?.grand_total ?? 0);
      const now = isoNow();
      const adjustmentTotals = { subtotal: String(cents), tax: '0', total: String(cents), fee: '0', earnings: String(cents), currency_code: currency };
      return event(
        adjustment.eventType ?? 'adjustment.created',
        {
          id: adjustment.adjustmentId ?? id('adj'),
          action: adjustment.action,
          type: cents === Number(transaction?.details?.totals?.grand_total ?? -1) ? 'full' : 'partial',
          transaction_id: transactionId,
          subscription_id: null,
          customer_id: transaction?.customer_id ?? id('ctm'),
          reason: 'requested by customer',
          credit_applied_to_balance: null,
          currency_code: currency,
          status: adjustment.status ?? 'approved',
          items: [],
          totals: adjustmentTotals,
          payout_totals: adjustmentTotals,
          tax_rates_used: [],
          created_at: now,
          updated_at: now,
        },
        { eventId: adjustment.eventId },
      );
    },
    event,
    sign,
    async deliver(url, payload, deliverOptions = {}) {
      const rawBody = typeof payload === 'string' ? payload : JSON.stringify(payload);
      const header =
        deliverOptions.signatureHeader === undefined ? sign(rawBody, { secret: deliverOptions.secret, ts: deliverOptions.ts }) : deliverOptions.signatureHeader;
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(header === null ? {} : { 'paddle-signature': header }) },
        body: deliverOptions.sendBody ?? rawBody,
      });
      return { status: response.status, body: await response.text() };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
