/**
 * A real HTTP server on an ephemeral port for the SDK's tests. Each test gives it the
 * handler it needs and reads back what arrived; nothing is shared between tests.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: IncomingHttpHeaders;
  body: string;
}

export type Handler = (request: RecordedRequest, response: ServerResponse, attempt: number) => void | Promise<void>;

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startTestServer(handler: Handler): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((incoming: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const recorded: RecordedRequest = {
        method: incoming.method ?? 'GET',
        url: new URL(incoming.url ?? '/', 'http://test'),
        headers: incoming.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      Promise.resolve(handler(recorded, response, requests.length)).catch((error: unknown) => {
        if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
        response.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'X-Request-Id': 'req_test', ...headers });
  response.end(text);
}

export function sendProblem(response: ServerResponse, status: number, code: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): void {
  const requestId = `req_${code}_${status}`;
  const body = { type: `https://kikuai.dev/problems/${code}`, title: code.replace(/_/g, ' '), status, detail: `Problem ${code}.`, code, request_id: requestId, ...extra };
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(text), 'X-Request-Id': requestId, ...headers });
  response.end(text);
}

/** A promise the test resolves when the server may go on. */
export function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

export const fastBackoff = { initialDelayMs: 1, maxDelayMs: 2 };

export const sampleBalance = {
  balance_micros: 12_500_000,
  balance_usd: '12.500000',
  currency: 'USD',
  low_balance_threshold_micros: 1_000_000,
  low_balance: false,
  account_status: 'active',
};

export function sampleApiKey(overrides: Record<string, unknown> = {}) {
  return {
    id: 'key_01TEST',
    name: 'default',
    prefix: 'kik_7hQ2',
    last_four: 'x9Zq',
    status: 'active',
    enabled: true,
    created_at: '2026-11-27T10:00:00.000Z',
    last_used_at: null,
    expires_at: null,
    allowed_products: null,
    spend_limit: null,
    previous_secret_expires_at: null,
    ...overrides,
  };
}
