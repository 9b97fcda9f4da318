/** Raw HTTP calls as any client would make them, with the auth of each caller kind. */
import type { TestServer } from '@kikuai/testkit';

export type Auth =
  { apiKey: string } | { service: string; telegramUserId: number } | { initData: string } | { admin: string } | { authorization: string } | null;

export interface CallOptions {
  auth?: Auth;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface CallResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export function caller(server: TestServer) {
  return async function call<T = any>(method: string, path: string, options: CallOptions = {}): Promise<CallResult<T>> {
    const headers: Record<string, string> = { ...options.headers };
    const auth = options.auth;
    if (auth && 'apiKey' in auth) headers.authorization = `Bearer ${auth.apiKey}`;
    if (auth && 'service' in auth) {
      headers['x-kikuai-service-token'] = auth.service;
      headers['x-kikuai-telegram-user-id'] = String(auth.telegramUserId);
    }
    if (auth && 'initData' in auth) headers.authorization = `tma ${auth.initData}`;
    if (auth && 'admin' in auth) headers['x-kikuai-admin-token'] = auth.admin;
    if (auth && 'authorization' in auth) headers.authorization = auth.authorization;
    let body: string | undefined;
    if (options.rawBody !== undefined) body = options.rawBody;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
    const response = await fetch(`${server.url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    if ((response.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  };
}

/** A mutable clock for the server under test. */
export class TestClock {
  private offsetMs = 0;
  now = () => new Date(Date.now() + this.offsetMs);
  advance(seconds: number) {
    this.offsetMs += seconds * 1000;
  }
}
