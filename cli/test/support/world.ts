import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakePaddle, startFakeTelegram, startTestServer, testProductsYaml, type FakePaddle, type FakeTelegram, type TestServer } from '@kikuai/testkit';

export const PRICE_MICROS = 1000;

/** What a fake ReliAPI does with one request; `request.body` is already read. */
export type UpstreamHandler = (request: IncomingMessage & { body: string }, response: ServerResponse) => void | Promise<void>;

/**
 * The real server on a real port with a real SQLite store, pointed at a fake Paddle API,
 * a fake Telegram Bot API, and a local upstream standing in for ReliAPI (each test sets its answer).
 */
export interface World {
  server: TestServer;
  paddle: FakePaddle;
  telegram: FakeTelegram;
  upstream: { url: string; handle: UpstreamHandler; requests: Array<{ url: string; body: string; authorization?: string }> };
  /** A new account with `micros` of balance. */
  account(micros?: number): Promise<{ accountId: string; apiKey: string; keyId: string }>;
  close(): Promise<void>;
}

export async function startWorld(): Promise<World> {
  const requests: World['upstream']['requests'] = [];
  const upstream = {
    url: '',
    requests,
    handle: ((_request, response) => {
      response.writeHead(500).end();
    }) as UpstreamHandler,
  };
  const upstreamServer = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    requests.push({ url: request.url ?? '', body, authorization: request.headers.authorization });
    try {
      await upstream.handle(Object.assign(request, { body }), response);
    } catch {
      response.destroy();
    }
  });
  await new Promise<void>((resolve) => upstreamServer.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(upstreamServer.address() as AddressInfo).port}`;

  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-cli-products-'));
  const productsFile = path.join(dir, 'products.yaml');
  writeFileSync(
    productsFile,
    testProductsYaml({
      priceMicros: PRICE_MICROS,
      timeoutMs: 10000,
      extraProducts: `  - id: tiny
    name: Tiny
    description: One call an hour, for rate-limit tests (windows are aligned to the clock; a longer one makes two calls in a row straddling its end unlikely).
    status: live
    upstream_url_env: RELIAPI_URL
    upstream_url_default: http://127.0.0.1:9
    timeout_ms: 10000
    rate_limit: { requests: 1, window_seconds: 3600 }
    endpoints:
      - { id: echo, path: /proxy/http, price_micros: ${PRICE_MICROS}, streaming: false, description: Echo. }
`,
    }),
  );

  const paddle = await startFakePaddle();
  const telegram = await startFakeTelegram();
  const server = await startTestServer({
    store: 'sqlite',
    env: {
      ...paddle.env,
      TELEGRAM_API_ROOT: telegram.apiRoot,
      KIKUAI_PRODUCTS_FILE: productsFile,
      RELIAPI_URL: upstream.url,
      RELIAPI_API_KEY: 'reliapi-secret-for-cli-tests',
    },
  });
  paddle.defaultPaymentLink = `${server.url}/pay`;

  return {
    server,
    paddle,
    telegram,
    upstream,
    async account(micros = 0) {
      const { account, apiKey, keyId } = await server.register();
      if (micros > 0) await server.credit(account.id, micros);
      return { accountId: account.id, apiKey, keyId };
    },
    async close() {
      await server.close();
      await paddle.close();
      await telegram.close();
      upstreamServer.closeAllConnections();
      await new Promise<void>((resolve) => upstreamServer.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
