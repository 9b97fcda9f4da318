/**
 * The SDK's tests talk to a recording HTTP server from the test workspace (no kikuai
 * server: the SDK builds and tests without it). Each test gives it the handler it needs
 * and reads back what arrived; nothing is shared between tests.
 */
import type { ServerResponse } from 'node:http';
import { startRecordingServer, type RecordedRequest, type RecordingHandler, type RecordingServer } from '@kikuai/testkit/http';

export { gate, sendJson } from '@kikuai/testkit/http';
export type { RecordedRequest };
export type Handler = RecordingHandler;
export type TestServer = RecordingServer;

export const startTestServer = (handler: Handler): Promise<TestServer> => startRecordingServer(handler);

export function sendProblem(
  response: ServerResponse,
  status: number,
  code: string,
  extra: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  const requestId = `req_${code}_${status}`;
  const body = {
    type: `https://kikuai.dev/problems/${code}`,
    title: code.replace(/_/g, ' '),
    status,
    detail: `Problem ${code}.`,
    code,
    request_id: requestId,
    ...extra,
  };
  const text = JSON.stringify(body);
  response.writeHead(status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(text), 'X-Request-Id': requestId, ...headers });
  response.end(text);
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
