/**
 * Small factories for Telegram updates as the Bot API delivers them. The fake Bot API
 * assigns `update_id` unless one is given.
 */
import { FAKE_BOT_INFO } from '@kikuai/testkit';

let nextUserId = 500_000_000 + Math.floor(Math.random() * 100_000_000);
let nextMessageId = 1;
let nextQueryId = 1;

export interface TestUser {
  id: number;
  is_bot: false;
  first_name: string;
  username?: string;
  language_code?: string;
}

export const newUser = (overrides: Partial<TestUser> = {}): TestUser => ({
  id: nextUserId++,
  is_bot: false,
  first_name: 'Ada',
  username: `ada${nextUserId}`,
  language_code: 'en',
  ...overrides,
});

export const privateChat = (user: TestUser) => ({ id: user.id, type: 'private' as const, first_name: user.first_name });
export const groupChat = (id = -1_000_000_000_000 - Math.floor(Math.random() * 1_000_000)) => ({ id, type: 'supergroup' as const, title: 'Team chat' });

const now = () => Math.floor(Date.now() / 1000);

/** A message from `user` in `chat`, numbered and dated as Telegram would. */
function message<Content extends object>(user: TestUser, chat: { id: number; type: string }, content: Content) {
  return { message: { message_id: nextMessageId++, date: now(), chat, from: user, ...content } };
}

/** A text message; a leading `/command` gets its bot_command entity like Telegram sends. */
export function textMessage(user: TestUser, text: string, chat: { id: number; type: string } = privateChat(user)) {
  const command = /^\/[A-Za-z0-9_]+(@[A-Za-z0-9_]+)?/.exec(text);
  return message(user, chat, { text, ...(command ? { entities: [{ type: 'bot_command', offset: 0, length: command[0].length }] } : {}) });
}

export const command = textMessage;

/** A tap on an inline button under a message the bot sent. */
export function callbackQuery(
  user: TestUser,
  data: string,
  message: { message_id: number; chat?: { id: number; type: string } } = { message_id: nextMessageId++ },
) {
  return {
    callback_query: {
      id: String(nextQueryId++),
      from: user,
      chat_instance: String(user.id),
      data,
      message: { message_id: message.message_id, date: now(), chat: message.chat ?? privateChat(user), from: FAKE_BOT_INFO, text: '…' },
    },
  };
}

export function preCheckoutQuery(user: TestUser, invoice: { payload: string; stars: number }) {
  return {
    pre_checkout_query: { id: `pcq_${nextQueryId++}`, from: user, currency: 'XTR', total_amount: invoice.stars, invoice_payload: invoice.payload },
  };
}

export function successfulPayment(
  user: TestUser,
  payment: { payload: string; stars: number; chargeId: string },
  chat: { id: number; type: string } = privateChat(user),
) {
  return message(user, chat, {
    successful_payment: {
      currency: 'XTR',
      total_amount: payment.stars,
      invoice_payload: payment.payload,
      telegram_payment_charge_id: payment.chargeId,
      provider_payment_charge_id: '',
    },
  });
}

/** Telegram's `refunded_payment`; its `invoice_payload` is optional (left out when `payload` is). */
export function refundedPayment(user: TestUser, payment: { payload?: string; stars: number; chargeId: string }) {
  return message(user, privateChat(user), {
    refunded_payment: {
      currency: 'XTR',
      total_amount: payment.stars,
      ...(payment.payload === undefined ? {} : { invoice_payload: payment.payload }),
      telegram_payment_charge_id: payment.chargeId,
    },
  });
}
