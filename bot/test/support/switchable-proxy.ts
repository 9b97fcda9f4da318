/**
 * A pass-through HTTP proxy in front of the real API that a test can take down
 * (connections are reset, as when the API process is gone) and bring back, or make
 * answer like a rate-limited API (429 problem+json with Retry-After). The server does
 * not rate-limit the bot's service credential, so this is how a test meets a 429.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SwitchableProxy {
  url: string;
  down: boolean;
  /** Set: every request is answered 429 with this Retry-After (seconds). */
  rateLimitedFor: number | null;
  close(): Promise<void>;
}

export async function startSwitchableProxy(target: string): Promise<SwitchableProxy> {
  const state = { down: false, rateLimitedFor: null as number | null };
  const server: Server = createServer(async (request, response) => {
    if (state.down) return void request.socket.destroy();
    if (state.rateLimitedFor !== null) {
      const seconds = state.rateLimitedFor;
      response.writeHead(429, { 'content-type': 'application/problem+json', 'retry-after': String(seconds), 'x-request-id': 'req_proxy429' });
      return void response.end(
        JSON.stringify({
          type: 'https://kikuai.dev/problems/rate_limited',
          title: 'Too many requests',
          status: 429,
          code: 'rate_limited',
          detail: `Retry after ${seconds} s.`,
          request_id: 'req_proxy429',
          retry_after_seconds: seconds,
        }),
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || ['host', 'connection', 'content-length'].includes(name)) continue;
      headers.set(name, Array.isArray(value) ? value.join(', ') : value);
    }
    const upstream = await fetch(new URL(request.url ?? '/', target), {
      method: request.method,
      headers,
      ...(chunks.length ? { body: Buffer.concat(chunks) } : {}),
    });
    const responseHeaders: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-encoding', 'transfer-encoding', 'connection', 'content-length'].includes(name)) responseHeaders[name] = value;
    });
    response.writeHead(upstream.status, responseHeaders);
    response.end(Buffer.from(await upstream.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get down() {
      return state.down;
    },
    set down(value: boolean) {
      state.down = value;
    },
    get rateLimitedFor() {
      return state.rateLimitedFor;
    },
    set rateLimitedFor(value: number | null) {
      state.rateLimitedFor = value;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
