/**
 * A local stand-in for Telegram's Bot API server, speaking its wire format
 * (`POST /bot<token>/<method>`, answers `{ ok, result }` or `{ ok: false, error_code, description }`).
 * Real grammY bots and the server's notifier reach it through their API root setting
 * (`client.apiRoot`, `TELEGRAM_API_ROOT`). Every call is recorded for assertions.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';

export interface RecordedCall {
  method: string;
  token: string;
  params: Record<string, unknown>;
  at: number;
}

export interface PlannedFailure {
  error_code: number;
  description: string;
  retry_after?: number;
}

type Update = Record<string, unknown> & { update_id?: number };

export interface FakeTelegram {
  /** e.g. `http://127.0.0.1:39123` — use as grammY's `client.apiRoot` or `TELEGRAM_API_ROOT`. */
  readonly apiRoot: string;
  readonly calls: RecordedCall[];
  callsOf(method: string): RecordedCall[];
  /** Resolves with the first call (past or future) of `method` that matches. */
  waitForCall(method: string, match?: (call: RecordedCall) => boolean, timeoutMs?: number): Promise<RecordedCall>;
  /** Queues an update for `getUpdates`, or posts it to the webhook when one is set. Returns its update_id. */
  pushUpdate(update: Update): Promise<number>;
  /** The next `count` calls of `method` fail with this error (e.g. a 429 with retry_after). */
  failNext(method: string, failure: PlannedFailure, count?: number): void;
  /** Overrides the result of a method (a function gets the params). */
  respond(method: string, result: unknown): void; // a value, or (params) => value
  readonly webhook: { url: string; secret_token: string | null } | null;
  close(): Promise<void>;
}

export const FAKE_BOT_INFO = {
  id: 7000000001,
  is_bot: true,
  first_name: 'kikuai test bot',
  username: 'kikuai_test_bot',
  can_join_groups: true,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
} as const;

async function readParams(request: IncomingMessage, url: URL): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = request.headers['content-type'] ?? '';
  if (raw && type.includes('application/json')) Object.assign(params, JSON.parse(raw));
  else if (raw && type.includes('application/x-www-form-urlencoded')) Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
  // Telegram accepts JSON-serialised objects in form fields; decode them like it does.
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string' && /^[[{]/.test(value)) {
      try {
        params[key] = JSON.parse(value);
      } catch {
        /* a plain string */
      }
    }
  }
  return params;
}

export async function startFakeTelegram(options: { botInfo?: Record<string, unknown> } = {}): Promise<FakeTelegram> {
  const calls: RecordedCall[] = [];
  const waiters: Array<{ method: string; match: (call: RecordedCall) => boolean; resolve: (call: RecordedCall) => void }> = [];
  const queue: Update[] = [];
  const pollers: Array<() => void> = [];
  const failures = new Map<string, Array<PlannedFailure>>();
  const overrides = new Map<string, unknown>();
  let nextUpdateId = 100_000;
  let nextMessageId = 1;
  let webhook: { url: string; secret_token: string | null } | null = null;

  const message = (params: Record<string, unknown>) => ({
    message_id: nextMessageId++,
    date: Math.floor(Date.now() / 1000),
    chat: { id: Number(params.chat_id), type: Number(params.chat_id) > 0 ? 'private' : 'group' },
    from: { ...FAKE_BOT_INFO, ...options.botInfo },
    ...(params.text !== undefined ? { text: params.text } : {}),
    ...(params.reply_markup !== undefined ? { reply_markup: params.reply_markup } : {}),
  });

  const defaults: Record<string, (params: Record<string, unknown>) => unknown> = {
    getMe: () => ({ ...FAKE_BOT_INFO, ...options.botInfo }),
    sendMessage: message,
    sendInvoice: (params) => ({
      ...message(params),
      invoice: {
        title: params.title,
        description: params.description,
        start_parameter: '',
        currency: params.currency,
        total_amount: (params.prices as Array<{ amount: number }>)?.[0]?.amount ?? 0,
      },
    }),
    editMessageText: (params) => ({ ...message(params), message_id: Number(params.message_id ?? 0) }),
    createInvoiceLink: () => `https://t.me/$${randomBytes(12).toString('base64url')}`,
    setWebhook: (params) => {
      webhook = { url: String(params.url), secret_token: params.secret_token ? String(params.secret_token) : null };
      return true;
    },
    deleteWebhook: () => {
      webhook = null;
      return true;
    },
    getWebhookInfo: () => ({ url: webhook?.url ?? '', has_custom_certificate: false, pending_update_count: queue.length }),
  };

  async function takeUpdates(params: Record<string, unknown>): Promise<Update[]> {
    const offset = Number(params.offset ?? 0);
    // Updates before `offset` are confirmed: drop them, as Telegram does.
    while (queue.length && (queue[0]!.update_id ?? 0) < offset) queue.shift();
    if (queue.length === 0) {
      const timeoutSeconds = Math.min(Number(params.timeout ?? 0), 2);
      if (timeoutSeconds > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, timeoutSeconds * 1000);
          pollers.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
    }
    const limit = Number(params.limit ?? 100);
    return queue.filter((update) => (update.update_id ?? 0) >= offset).slice(0, limit);
  }

  const server: Server = createServer(async (request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    if (!match) return send(404, { ok: false, error_code: 404, description: 'Not Found' });
    const [, token, method] = match as unknown as [string, string, string];
    let params: Record<string, unknown>;
    try {
      params = await readParams(request, url);
    } catch {
      return send(400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
    }
    const call: RecordedCall = { method, token, params, at: Date.now() };
    if (method !== 'getUpdates') {
      calls.push(call);
      for (const waiter of [...waiters]) {
        if (waiter.method === method && waiter.match(call)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(call);
        }
      }
    }
    const planned = failures.get(method);
    if (planned?.length) {
      const failure = planned.shift()!;
      return send(failure.error_code, {
        ok: false,
        error_code: failure.error_code,
        description: failure.description,
        ...(failure.retry_after !== undefined ? { parameters: { retry_after: failure.retry_after } } : {}),
      });
    }
    if (method === 'getUpdates') return send(200, { ok: true, result: await takeUpdates(params) });
    const override = overrides.get(method);
    const result =
      override !== undefined
        ? typeof override === 'function'
          ? (override as (p: Record<string, unknown>) => unknown)(params)
          : override
        : (defaults[method]?.(params) ?? true);
    send(200, { ok: true, result });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    callsOf: (method) => calls.filter((call) => call.method === method),
    waitForCall(method, match = () => true, timeoutMs = 10_000) {
      const found = calls.find((call) => call.method === method && match(call));
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const waiter = {
          method,
          match,
          resolve: (call: RecordedCall) => {
            clearTimeout(timer);
            resolve(call);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          reject(new Error(`fake Telegram: no ${method} call within ${timeoutMs} ms (calls so far: ${calls.map((c) => c.method).join(', ') || 'none'})`));
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    async pushUpdate(update) {
      const withId = { ...update, update_id: update.update_id ?? nextUpdateId++ };
      if (webhook) {
        await fetch(webhook.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            ...(webhook.secret_token ? { 'x-telegram-bot-api-secret-token': webhook.secret_token } : {}),
          },
          body: JSON.stringify(withId),
        });
      } else {
        queue.push(withId);
        for (const wake of pollers.splice(0)) wake();
      }
      return withId.update_id;
    },
    failNext(method, failure, count = 1) {
      failures.set(method, [...(failures.get(method) ?? []), ...Array.from({ length: count }, () => failure)]);
    },
    respond(method, result) {
      overrides.set(method, result);
    },
    get webhook() {
      return webhook;
    },
    async close() {
      for (const wake of pollers.splice(0)) wake();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
