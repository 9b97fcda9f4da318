/**
 * Streaming through the proxy: server-sent events arrive as the upstream sends them, a
 * 50 MB body goes through without being held in memory, and a client that disconnects
 * is charged by the documented rule (openapi.yaml, proxyLlm): refunded if the upstream
 * had not started answering, charged once it had; the upstream request is aborted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { PRICE_MICROS, startProxyServer, startUpstream, type ProxyTestServer, type Upstream } from './support.js';

// A full collection before each sample, so the samples show what is held, not garbage awaiting collection.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

function signal() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 5000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

describe.each(STORE_KINDS)('streaming through the proxy (%s store)', (storeKind) => {
  let upstream: Upstream;
  let server: ProxyTestServer;
  /** Per test: what the upstream does with the next call. */
  let next: (request: import('node:http').IncomingMessage, response: import('node:http').ServerResponse) => void | Promise<void>;
  let upstreamSawClose: Promise<void>;

  beforeAll(async () => {
    upstream = await startUpstream(
      (request, response) => {
        upstreamSawClose = new Promise((resolve) => response.once('close', () => resolve()));
        return next(request, response);
      },
      { streamRequest: true },
    );
    server = await startProxyServer({ store: storeKind, upstreamUrl: upstream.url, products: { timeoutMs: 10_000 } });
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('delivers the first server-sent event before the upstream has finished', async () => {
    const finish = signal();
    next = async (request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"n":1}\n\n');
      await finish.promise; // the test releases this once it has seen the first event
      response.write('data: {"n":2}\n\n');
      response.end('data: [DONE]\n\n');
    };
    const { apiKey } = await server.fundedAccount(10_000);
    const response = await server.proxy('/api/v1/proxy/llm', apiKey, { stream: true }, { headers: { accept: 'text/event-stream' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('x-kikuai-cost-micros')).toBe(String(PRICE_MICROS));

    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    const first = await reader.read();
    expect(decoder.decode(first.value)).toBe('data: {"n":1}\n\n');
    finish.release();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += decoder.decode(chunk.value);
    expect(rest).toBe('data: {"n":2}\n\ndata: [DONE]\n\n');
  });

  it('streams a 50 MB body to the upstream without holding it in memory', async () => {
    const size = 50 * 1024 * 1024;
    next = async (request, response) => {
      let bytes = 0;
      for await (const chunk of request as AsyncIterable<Buffer>) bytes += chunk.length;
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ received: bytes }));
    };
    const { apiKey } = await server.fundedAccount(10_000);

    collectGarbage();
    const baseline = process.memoryUsage();
    let peakHeap = 0;
    const sampler = setInterval(() => {
      collectGarbage();
      const now = process.memoryUsage();
      peakHeap = Math.max(peakHeap, now.heapUsed + now.arrayBuffers - baseline.heapUsed - baseline.arrayBuffers);
    }, 100);

    const chunk = Buffer.alloc(64 * 1024, 'a');
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const outgoing = httpRequest(`${server.url}/api/v1/proxy/http`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': String(size), authorization: `Bearer ${apiKey}` },
      });
      outgoing.on('response', (incoming) => {
        let body = '';
        incoming
          .setEncoding('utf8')
          .on('data', (text) => (body += text))
          .on('end', () => resolve({ status: incoming.statusCode!, body }));
      });
      outgoing.on('error', reject);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          const piece = chunk.subarray(0, Math.min(chunk.length, size - sent));
          sent += piece.length;
          if (!outgoing.write(piece)) return void outgoing.once('drain', pump);
        }
        outgoing.end();
      };
      pump();
    });
    clearInterval(sampler);

    expect(result.status).toBe(200);
    expect(JSON.parse(result.body)).toEqual({ received: size });
    // Client, proxy and upstream share this process: a buffered copy anywhere would show
    // as 50 MB or more of live heap and buffers (about 1 MB is seen). RSS is not asserted:
    // the allocator keeps freed pages, so it moves by tens of MB whatever is live.
    expect(peakHeap).toBeLessThan(30 * 1024 * 1024);
  });

  it('refunds a client that disconnects before the upstream answered, and aborts the upstream request', async () => {
    const received = signal();
    next = (request) => {
      request.resume();
      received.release(); // …and never answer
    };
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const abort = new AbortController();
    const call = server.proxy('/api/v1/proxy/llm', apiKey, { stream: true }, { signal: abort.signal }).catch(() => 'aborted');
    await received.promise;
    abort.abort();
    expect(await call).toBe('aborted');
    await upstreamSawClose; // the upstream's request was aborted

    expect(await eventually(async () => (await server.store.getAccount(accountId))!.balance_micros === 10_000)).toBe(true);
    const kinds = (await server.store.listLedger(accountId, { limit: 10 })).items.map((entry) => entry.kind);
    expect(kinds).toEqual(['refund', 'debit', 'credit']);
  });

  it('charges a client that disconnects once the upstream started answering, and aborts the upstream request', async () => {
    next = (request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/event-stream' });
      response.write('data: {"n":1}\n\n'); // …and never finish
    };
    const { accountId, apiKey } = await server.fundedAccount(10_000);
    const abort = new AbortController();
    const response = await server.proxy('/api/v1/proxy/llm', apiKey, { stream: true }, { signal: abort.signal });
    const reader = response.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('data: {"n":1}\n\n');
    abort.abort();
    await upstreamSawClose;

    const events = await server.usageEvents(accountId, 1);
    expect(events[0]).toMatchObject({ cost_micros: PRICE_MICROS, upstream_status: 200 });
    expect((await server.store.getAccount(accountId))!.balance_micros).toBe(10_000 - PRICE_MICROS);
    const kinds = (await server.store.listLedger(accountId, { limit: 10 })).items.map((entry) => entry.kind);
    expect(kinds).toEqual(['debit', 'credit']);
  });
});
