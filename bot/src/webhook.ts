import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { BotContext } from './context.js';
import type { Logger } from './logger.js';
import { PaymentNotRecordedError } from './middlewares/reply-on-error.js';

const MAX_BODY_BYTES = 1_000_000;
/** Answer Telegram by then even if the handler is still busy (it goes on in the background). */
const ANSWER_WITHIN_MS = 8_000;

/**
 * The secret Telegram sends back in `X-Telegram-Bot-Api-Secret-Token`. When none is
 * configured it is derived from the bot token, so every instance agrees on it.
 */
export function webhookSecretFor(token: string, configured?: string): string {
  return configured ?? createHmac('sha256', token).update('kikuai-telegram-webhook').digest('base64url');
}

function secretMatches(received: string | string[] | undefined, expected: string): boolean {
  if (typeof received !== 'string') return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A Node request handler for Telegram's webhook: 401 without the right secret, 200 once
 * the update is handled (or after 8 s, handling goes on), 500 when a payment could not be
 * recorded so that Telegram delivers it again. Mount it in any Node HTTP server.
 */
export function createWebhookHandler(bot: Bot<BotContext>, options: { secret: string; path?: string; logger: Logger }) {
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const answer = (status: number, body = '') => {
      if (response.headersSent) return;
      response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
      response.end(body);
    };
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (options.path && path !== options.path) return answer(404, 'not found');
    if (request.method !== 'POST') return answer(405, 'method not allowed');
    if (!secretMatches(request.headers['x-telegram-bot-api-secret-token'], options.secret)) {
      options.logger.warn({ path }, 'webhook call with a wrong secret refused');
      return answer(401, 'unauthorized');
    }
    let update: Update;
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of request) {
        size += (chunk as Buffer).length;
        if (size > MAX_BODY_BYTES) return answer(413, 'too large');
        chunks.push(chunk as Buffer);
      }
      update = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Update;
      if (typeof update?.update_id !== 'number') throw new Error('no update_id');
    } catch {
      return answer(400, 'bad request');
    }
    const handling = bot.handleUpdate(update).then(
      () => 200,
      (error: unknown) => {
        const cause = (error as { error?: unknown }).error ?? error;
        if (cause instanceof PaymentNotRecordedError) return 500;
        bot.errorHandler(error as never);
        return 200;
      },
    );
    let timer: NodeJS.Timeout | undefined;
    const status = await Promise.race([handling, new Promise<number>((resolve) => (timer = setTimeout(() => resolve(200), ANSWER_WITHIN_MS)))]);
    clearTimeout(timer);
    answer(status, status === 200 ? 'ok' : 'retry later');
  };
}

export async function listenForWebhook(
  bot: Bot<BotContext>,
  options: { secret: string; path: string; port: number; host: string; logger: Logger },
): Promise<{ server: Server; port: number }> {
  const handler = createWebhookHandler(bot, options);
  const server = createServer((request, response) => void handler(request, response));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
