/**
 * Helpers of the proxy suites: a real upstream (node:http on a free port) that records
 * what reaches it, a products file pointing at it, and a kikuai server with a funded
 * account. Nothing of ours is faked.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Agent, fetch as undiciFetch, type RequestInit as UndiciRequestInit } from 'undici';
import { startTestServer, testProductsYaml, type TestServer } from '@kikuai/testkit';

export const UPSTREAM_SECRET = 'reliapi-secret-for-tests-0123456789';
export const PRICE_MICROS = 1000;

export interface UpstreamCall {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  bodyBytes: number;
  body: string;
}

export interface Upstream {
  url: string;
  calls: UpstreamCall[];
  close(): Promise<void>;
}

/**
 * An upstream whose answer the test writes. The handler sees the request after its body
 * was read (`call.body` holds the first 64 KiB of it), unless `streamRequest` is set,
 * in which case it gets the raw request to consume itself.
 */
export async function startUpstream(
  handler: (request: IncomingMessage, response: ServerResponse, call: UpstreamCall) => void | Promise<void>,
  options: { streamRequest?: boolean } = {},
): Promise<Upstream> {
  const calls: UpstreamCall[] = [];
  const server = createServer(async (request, response) => {
    const call: UpstreamCall = { method: request.method ?? '', url: request.url ?? '', headers: request.headers, bodyBytes: 0, body: '' };
    calls.push(call);
    if (!options.streamRequest) {
      const kept: Buffer[] = [];
      let keptBytes = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) {
        call.bodyBytes += chunk.length;
        if (keptBytes < 65_536) {
          kept.push(chunk);
          keptBytes += chunk.length;
        }
      }
      call.body = Buffer.concat(kept).toString('utf8');
    }
    try {
      await handler(request, response, call);
    } catch {
      response.destroy();
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

/** A products file for tests: reliapi (live, at RELIAPI_URL) and routellm (soon). */
export function productsYaml(options: { timeoutMs?: number; rateLimit?: number; maxBodyBytes?: number; responseHeaders?: string[] } = {}): string {
  return testProductsYaml({ ...options, priceMicros: PRICE_MICROS });
}

export interface ProxyTestServer extends TestServer {
  /** A new account with `micros` of balance and its API key. */
  fundedAccount(micros: number): Promise<{ accountId: string; apiKey: string; keyId: string }>;
  /** POST to the proxy with an API key. */
  proxy(pathname: string, apiKey: string | null, body?: unknown, init?: RequestInit): Promise<Response>;
  /** Waits until the batched usage of an account shows `count` events. */
  usageEvents(accountId: string, count: number): Promise<Awaited<ReturnType<TestServer['store']['listUsageEvents']>>>;
}

export async function startProxyServer(options: {
  store: 'sqlite' | 'redis';
  upstreamUrl: string;
  products?: Parameters<typeof productsYaml>[0];
  env?: Record<string, string>;
}): Promise<ProxyTestServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-products-'));
  const productsFile = path.join(dir, 'products.yaml');
  writeFileSync(productsFile, productsYaml(options.products));
  const server = await startTestServer({
    store: options.store,
    env: { KIKUAI_PRODUCTS_FILE: productsFile, RELIAPI_URL: options.upstreamUrl, RELIAPI_API_KEY: UPSTREAM_SECRET, ...options.env },
  });
  const close = server.close.bind(server);
  // The suite's own client, destroyed before the server closes: an aborted call can leave
  // the shared global client holding a connection that would keep the server's close waiting.
  const client = new Agent({ connections: 1024 });
  return Object.assign(server, {
    async fundedAccount(micros: number) {
      const { account, apiKey, keyId } = await server.register();
      if (micros > 0) await server.credit(account.id, micros);
      return { accountId: account.id, apiKey, keyId };
    },
    proxy(pathname: string, apiKey: string | null, body: unknown = { model: 'test', messages: [] }, init: RequestInit = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(init.headers as Record<string, string>) };
      if (apiKey) headers.authorization = `Bearer ${apiKey}`;
      return undiciFetch(`${server.url}${pathname}`, {
        method: 'POST',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        ...(init as UndiciRequestInit),
        headers,
        dispatcher: client,
      }) as unknown as Promise<Response>;
    },
    async usageEvents(accountId: string, count: number) {
      const deadline = Date.now() + 5000;
      for (;;) {
        const events = await server.store.listUsageEvents(accountId, Math.max(100, count));
        if (events.length >= count || Date.now() > deadline) return events;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await client.destroy();
      await close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
