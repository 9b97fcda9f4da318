/** The fake Paddle API answers the real SDK as Paddle does, and signs webhooks as Paddle does. */
import { createHmac } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paddle, ApiError } from '@paddle/paddle-node-sdk';
import { startFakePaddle, type FakePaddle } from '@kikuai/testkit/fake-paddle';

describe('fake Paddle', () => {
  let paddle: FakePaddle;
  beforeAll(async () => {
    paddle = await startFakePaddle({ defaultPaymentLink: 'http://127.0.0.1:9/pay' });
  });
  afterAll(() => paddle.close());

  it('creates a transaction through the real SDK with a checkout URL and the custom data echoed', async () => {
    const client = new Paddle(paddle.apiKey, { environment: paddle.apiUrl as never });
    const transaction = await client.transactions.create({
      items: [
        {
          quantity: 1,
          price: {
            description: 'kikuai top-up',
            name: 'Top-up $5.00',
            unitPrice: { amount: '500', currencyCode: 'USD' },
            product: { name: 'kikuai balance', taxCategory: 'standard' },
          },
        },
      ],
      customData: { account_id: 'acc_1', topup_id: 'top_1' },
    } as never);
    expect(transaction.id).toMatch(/^txn_/);
    expect(transaction.checkout?.url).toBe(`http://127.0.0.1:9/pay?_ptxn=${transaction.id}`);
    expect(transaction.customData).toEqual({ account_id: 'acc_1', topup_id: 'top_1' });
    expect(transaction.items[0]?.price?.unitPrice.amount).toBe('500');
    const recorded = paddle.requestsTo('POST', '/transactions')[0]!;
    expect(recorded.headers.authorization).toBe(`bearer ${paddle.apiKey}`);
    expect(recorded.body?.custom_data).toEqual({ account_id: 'acc_1', topup_id: 'top_1' });
    expect(recorded.body?.items?.[0]?.price?.unit_price).toEqual({ amount: '500', currency_code: 'USD' });

    const fetched = await client.transactions.get(transaction.id);
    expect(fetched.status).toBe('ready');
    paddle.completeTransaction(transaction.id);
    expect((await client.transactions.get(transaction.id)).status).toBe('completed');
  });

  it('answers errors in Paddle error shape, which the SDK raises as ApiError', async () => {
    const client = new Paddle('wrong-key', { environment: paddle.apiUrl as never });
    const failure = await client.transactions.get('txn_missing').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).code).toBe('forbidden');
    paddle.failNext(500, { type: 'api_error', code: 'internal_error', detail: 'boom' });
    const good = new Paddle(paddle.apiKey, { environment: paddle.apiUrl as never });
    expect(((await good.transactions.get('txn_x').catch((error: unknown) => error)) as ApiError).code).toBe('internal_error');
    expect(((await good.transactions.get('txn_x').catch((error: unknown) => error)) as ApiError).code).toBe('not_found');
  });

  it('delivers events signed as Paddle signs them', async () => {
    const received: Array<{ signature: string | undefined; body: string }> = [];
    const hook = createServer(async (request, response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      received.push({ signature: request.headers['paddle-signature'] as string | undefined, body: Buffer.concat(chunks).toString('utf8') });
      response.end('ok');
    });
    await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
    const sdk = new Paddle(paddle.apiKey, { environment: paddle.apiUrl as never });
    const created = await sdk.transactions.create({
      items: [{ quantity: 1, price: { description: 'x', unitPrice: { amount: '700', currencyCode: 'USD' }, product: { name: 'p', taxCategory: 'standard' } } }],
    } as never);
    const event = paddle.completeTransaction(created.id);
    expect(await paddle.deliver(url, event, { ts: 1_700_000_000 })).toEqual({ status: 200, body: 'ok' });
    const { signature, body } = received[0]!;
    expect(body).toBe(JSON.stringify(event));
    const h1 = createHmac('sha256', paddle.webhookSecret).update(`1700000000:${body}`).digest('hex');
    expect(signature).toBe(`ts=1700000000;h1=${h1}`);
    // The SDK's own verifier agrees.
    const fresh = paddle.sign(body);
    const parsed = await sdk.webhooks.unmarshal(body, paddle.webhookSecret, fresh);
    expect(parsed.eventType).toBe('transaction.completed');
    hook.close();
  });
});
