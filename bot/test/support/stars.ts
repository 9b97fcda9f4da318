/** The steps of a Stars top-up as a user takes them, against the harness (long polling or webhook). */
import { createKikuaiClient, type KikuaiClient } from '@kikuai/sdk';
import type { RecordedCall } from '@kikuai/testkit';
import { expect } from 'vitest';
import { buttonsOf, secretIn, textOf, type BotHarness } from './harness.js';
import { callbackQuery, command, preCheckoutQuery, type TestUser } from './updates.js';

/** /start: resolves with an SDK client holding the API key the bot sent. */
export async function signUp(harness: BotHarness, user: TestUser): Promise<KikuaiClient> {
  const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
  return createKikuaiClient({ baseUrl: harness.server.url, auth: { apiKey: secretIn(welcome)! }, maxRetries: 0 });
}

/** /topup, then a tap on the $5 button: resolves with the invoice the bot sent. */
export async function invoiceForFiveDollars(harness: BotHarness, user: TestUser): Promise<RecordedCall> {
  const choice = await harness.replyTo(command(user, '/topup'), { chatId: user.id });
  expect(textOf(choice)).toContain('How much would you like to add?');
  const five = buttonsOf(choice).find((button) => button.callback_data === 'topup:5000000');
  expect(five?.text).toBe('$5.00 · 385 ⭐');
  return harness.replyTo(callbackQuery(user, five!.callback_data!), { chatId: user.id, method: 'sendInvoice' });
}

/** Telegram's pre-checkout query for `invoice`: resolves with the bot's answer to it. */
export function preCheckout(harness: BotHarness, user: TestUser, invoice: { payload: string; stars: number }): Promise<RecordedCall> {
  const query = preCheckoutQuery(user, invoice);
  return harness.callAfter(query, 'answerPreCheckoutQuery', (call) => call.params.pre_checkout_query_id === query.pre_checkout_query.id);
}

/** An invoice for $5 (385 ⭐) whose pre-checkout the bot answered ok: resolves with its payload, ready for the payment. */
export async function checkedOutFiveDollars(harness: BotHarness, user: TestUser): Promise<string> {
  const payload = String((await invoiceForFiveDollars(harness, user)).params.payload);
  expect((await preCheckout(harness, user, { payload, stars: 385 })).params.ok).toBe(true);
  return payload;
}
