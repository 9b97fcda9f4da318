/**
 * The real bot (startBot, long polling by default) against the fake Bot API and the real
 * server. Each test file starts one and uses fresh Telegram users per test.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAKE_BOT_INFO, startFakeTelegram, startTestServer, type FakeTelegram, type RecordedCall, type TestServer } from '@kikuai/testkit';
import type { UserFromGetMe } from 'grammy/types';
import { startBot, type RunningBot, type StartBotOptions } from '../../src/start-bot.js';
import type { Logger } from '../../src/logger.js';
import { startSwitchableProxy, type SwitchableProxy } from './switchable-proxy.js';

export interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message?: string;
}

export interface BotHarness {
  telegram: FakeTelegram;
  server: TestServer;
  /** Sits between the bot and the API; `proxy.down = true` makes the API unreachable. */
  proxy: SwitchableProxy;
  bot: RunningBot;
  logs: LogLine[];
  /** Delivers an update and resolves with the first `method` call for `chatId` it causes (whose text matches `text`). */
  replyTo(update: Record<string, unknown>, options: { chatId: number; method?: string; text?: RegExp }): Promise<RecordedCall>;
  /** Delivers an update and resolves with the first `method` call matching `match` it causes. */
  callAfter(update: Record<string, unknown>, method: string, match?: (call: RecordedCall) => boolean): Promise<RecordedCall>;
  /** Calls of `method` for `chatId` so far. */
  callsFor(method: string, chatId: number): RecordedCall[];
  close(): Promise<void>;
}

export function captureLogger(lines: LogLine[]): Logger {
  const at = (level: string) => (fields: Record<string, unknown>, message?: string) => void lines.push({ level, fields, message });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export async function startBotHarness(
  options: { webhook?: boolean; bot?: Partial<StartBotOptions>; serverEnv?: Record<string, string> } = {},
): Promise<BotHarness> {
  const telegram = await startFakeTelegram();
  const server = await startTestServer({ env: { TELEGRAM_API_ROOT: telegram.apiRoot, ...options.serverEnv } });
  const proxy = await startSwitchableProxy(server.url);
  const logs: LogLine[] = [];
  const bot = await startBot({
    token: server.botToken,
    apiBaseUrl: proxy.url,
    serviceToken: server.serviceToken,
    apiRoot: telegram.apiRoot,
    botInfo: { ...FAKE_BOT_INFO } as unknown as UserFromGetMe,
    logger: captureLogger(logs),
    ...(options.webhook ? await webhookOn(await freePort()) : {}),
    ...options.bot,
  });

  const callAfter: BotHarness['callAfter'] = async (update, method, match = () => true) => {
    const mark = telegram.calls.length;
    const waiting = telegram.waitForCall(method, (call) => telegram.calls.indexOf(call) >= mark && match(call));
    await telegram.pushUpdate(update);
    return waiting;
  };

  return {
    telegram,
    server,
    proxy,
    bot,
    logs,
    callAfter,
    replyTo: (update, { chatId, method = 'sendMessage', text }) =>
      callAfter(update, method, (call) => Number(call.params.chat_id) === chatId && (!text || text.test(String(call.params.text ?? '')))),
    callsFor: (method, chatId) => telegram.callsOf(method).filter((call) => Number(call.params.chat_id) === chatId),
    async close() {
      await bot.stop();
      await proxy.close();
      await server.close();
      await telegram.close();
    },
  };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const webhookOn = async (port: number) => ({ webhookUrl: `http://127.0.0.1:${port}/telegram/webhook`, webhookPort: port, webhookHost: '127.0.0.1' });

export const textOf = (call: RecordedCall): string => String(call.params.text ?? '');

/** The inline buttons of a sent message, flattened. */
export function buttonsOf(call: RecordedCall): Array<{ text: string; callback_data?: string; url?: string; web_app?: { url: string } }> {
  const markup = call.params.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data?: string; url?: string }>> } | undefined;
  return markup?.inline_keyboard?.flat() ?? [];
}

/** The key inside `<code>…</code>` of a message, if any. */
export const secretIn = (call: RecordedCall): string | undefined => /<code>(kik_[0-9A-Za-z]+)<\/code>/.exec(textOf(call))?.[1];
