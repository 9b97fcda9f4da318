/**
 * Telegram notifications, sent by the server through the Bot API's `sendMessage` to the
 * account's Telegram chat (a private chat's id is the user's id). It listens to the
 * server's events (`context.events`): payment credited, balance low / exhausted (the
 * store reports each crossing once, with hysteresis), key created / rotated / revoked.
 *
 * Sending is fire-and-forget, off the request path: a failed send is retried a bounded
 * number of times with backoff (honouring Telegram's `retry_after`), then logged, and
 * never fails the payment or request that caused it. Messages to one chat go out in the
 * order they were queued (a refund's notice before the "balance used up" it causes).
 * Payment incidents go to the operator chat (`KIKUAI_OPERATOR_CHAT_ID`) when it is set. Sends in flight are awaited on
 * shutdown (`flush`, called by the composition root's `close`).
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ServerContext } from '../context.js';
import type { Account } from '../store/types.js';
import { BotApiError, type BotApi } from '../telegram/bot-api.js';
import { languageOf, messages, type Language } from './messages.js';

export interface NotifierOptions {
  /** Attempts per message, the first included (default 4). */
  maxAttempts?: number;
  /** First backoff; doubles each retry (default 500 ms). */
  baseDelayMs?: number;
  /** Longest wait between attempts, also for Telegram's retry_after (default 10 s). */
  maxDelayMs?: number;
}

export class Notifier {
  private readonly inFlight = new Set<Promise<void>>();
  /** The last message queued per chat (account id or operator chat): the next one waits for it. */
  private readonly queues = new Map<string, Promise<void>>();
  private closing = false;
  private readonly sleepers = new Set<() => void>();
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;

  constructor(
    private readonly botApi: BotApi,
    private readonly loadAccount: (accountId: string) => Promise<Account | null>,
    private readonly logger: FastifyBaseLogger,
    options: NotifierOptions = {},
  ) {
    this.maxAttempts = options.maxAttempts ?? 4;
    this.baseDelayMs = options.baseDelayMs ?? 500;
    this.maxDelayMs = options.maxDelayMs ?? 10_000;
  }

  /** Queues a message for an account (by id or record); returns at once. */
  notify(account: string | Account, text: (language: Language, account: Account) => string, kind: string): void {
    this.enqueue(typeof account === 'string' ? account : account.id, kind, () => this.deliver(account, text, kind));
  }

  /** Queues a message for a chat that is no account's (the operator chat); returns at once. */
  notifyChat(chatId: string, text: string, kind: string): void {
    this.enqueue(`chat:${chatId}`, kind, () => this.send({ chat_id: chatId, text, link_preview_options: { is_disabled: true } }, kind, { chat_id: chatId }));
  }

  private enqueue(queue: string, kind: string, run: () => Promise<void>): void {
    if (!this.botApi.configured) return;
    const previous = this.queues.get(queue) ?? Promise.resolve();
    const task = previous.then(run).catch((error: unknown) => {
      this.logger.error({ err: error, notification: kind }, 'notification failed');
    });
    this.queues.set(queue, task);
    this.inFlight.add(task);
    void task.finally(() => {
      this.inFlight.delete(task);
      if (this.queues.get(queue) === task) this.queues.delete(queue);
    });
  }

  /** Waits for every message in flight (backoff waits are cut short once closing). */
  async flush(): Promise<void> {
    this.closing = true;
    for (const wake of this.sleepers) wake();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  private async deliver(accountOrId: string | Account, text: (language: Language, account: Account) => string, kind: string): Promise<void> {
    const account = typeof accountOrId === 'string' ? await this.loadAccount(accountOrId) : accountOrId;
    // An account made without Telegram (negative id, `adminCreateAccount`) has no chat to write to.
    if (!account || account.telegram_id < 0) return;
    const body = { chat_id: account.telegram_id, text: text(languageOf(account.language_code), account), link_preview_options: { is_disabled: true } };
    await this.send(body, kind, { account_id: account.id });
  }

  private async send(body: Record<string, unknown>, kind: string, about: Record<string, unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await this.botApi.call('sendMessage', body);
        return;
      } catch (error) {
        const failure = error instanceof BotApiError ? error : null;
        // 400 (chat not found) and 403 (the user blocked the bot) will not get better.
        const permanent = failure !== null && (failure.errorCode === 400 || failure.errorCode === 403);
        if (permanent || attempt >= this.maxAttempts) {
          this.logger.warn(
            { notification: kind, ...about, attempts: attempt, error: failure ? `${failure.errorCode} ${failure.description}` : String(error) },
            'notification not delivered',
          );
          return;
        }
        if (this.closing && attempt >= 2) return;
        const backoff = this.baseDelayMs * 2 ** (attempt - 1);
        const wait = Math.min(this.maxDelayMs, failure?.retryAfterSeconds ? failure.retryAfterSeconds * 1000 : backoff);
        if (!this.closing) await this.sleep(wait);
      }
    }
  }
}

/** Creates the notifier of a server and subscribes it to the server's events; `flush` it on shutdown. */
export function startNotifier(context: Pick<ServerContext, 'config' | 'store' | 'logger' | 'events'>, botApi: BotApi, options: NotifierOptions = {}): Notifier {
  const notifier = new Notifier(botApi, (id) => context.store.getAccount(id), context.logger, options);
  const { events } = context;
  events.on('payment_credited', ({ accountId, amountMicros, balanceMicros, method }) => {
    notifier.notify(accountId, (language) => messages.paymentCredited(language, amountMicros, balanceMicros, method), 'payment_credited');
  });
  events.on('balance_crossed', ({ accountId, crossing, balanceMicros }) => {
    if (crossing === 'low') {
      notifier.notify(accountId, (language, account) => messages.lowBalance(language, balanceMicros, account.low_balance_threshold_micros), 'low_balance');
    } else if (crossing === 'exhausted') {
      notifier.notify(accountId, (language) => messages.balanceExhausted(language, balanceMicros), 'balance_exhausted');
    }
  });
  events.on('payment_refunded', ({ accountId, amountMicros, balanceMicros, stars }) => {
    notifier.notify(accountId, (language) => messages.starsRefunded(language, stars, amountMicros, balanceMicros), 'payment_refunded');
  });
  const operatorChatId = context.config.telegram.operatorChatId;
  if (operatorChatId) {
    events.on('payment_incident', ({ incident }) => notifier.notifyChat(operatorChatId, messages.paymentIncident(incident), 'payment_incident'));
  }
  events.on('key_created', ({ account, key }) => {
    // The first key, made at registration, is shown by the bot right there: no message.
    if (key.created_at === account.created_at) return;
    notifier.notify(account, (language) => messages.keyCreated(language, key), 'key_created');
  });
  events.on('key_rotated', ({ account, key }) => notifier.notify(account, (language) => messages.keyRotated(language, key), 'key_rotated'));
  events.on('key_revoked', ({ account, key }) => notifier.notify(account, (language) => messages.keyRevoked(language, key), 'key_revoked'));
  return notifier;
}
