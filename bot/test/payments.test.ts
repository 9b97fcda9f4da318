import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { command, groupChat, newUser, refundedPayment, successfulPayment } from './support/updates.js';
import { checkedOutFiveDollars, invoiceForFiveDollars, preCheckout, signUp } from './support/stars.js';

let harness: BotHarness;

beforeAll(async () => {
  harness = await startBotHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('the Stars top-up', () => {
  it('goes invoice → pre-checkout ok → successful_payment → balance credited once, user told', async () => {
    const user = newUser();
    const kikuai = await signUp(harness, user);
    const invoice = await invoiceForFiveDollars(harness, user);
    expect(invoice.params).toMatchObject({ currency: 'XTR', provider_token: '', prices: [{ amount: 385 }] });
    const payload = String(invoice.params.payload);
    expect(payload).toMatch(/^top_/);

    const answer = await preCheckout(harness, user, { payload, stars: 385 });
    expect(answer.params.ok).toBe(true);

    const payment = successfulPayment(user, { payload, stars: 385, chargeId: `stxCharge${user.id}` });
    const told = await harness.replyTo(payment, { chatId: user.id, text: /Payment received/ });
    // $5 at 13 000 micro-USD a Star is 385 Stars (rounded up); the balance gets exactly the $5.00 chosen.
    expect(textOf(told)).toContain('<b>$5.00</b> was added to your balance. New balance: <b>$5.00</b>.');
    expect((await kikuai.balance.get()).balance_micros).toBe(5_000_000);

    // Telegram delivers the same payment again (after a crash, say): no second credit, no second message.
    await harness.telegram.pushUpdate(successfulPayment(user, { payload, stars: 385, chargeId: `stxCharge${user.id}` }));
    const balance = await harness.replyTo(command(user, '/balance'), { chatId: user.id, text: /Your balance/ });
    expect(textOf(balance)).toContain('<b>$5.00</b>');
    expect((await kikuai.balance.get()).balance_micros).toBe(5_000_000);
    expect(harness.callsFor('sendMessage', user.id).filter((call) => /Payment received/.test(textOf(call)))).toHaveLength(1);
  });

  it('records a refund found from its charge id alone; the user is told "refunded", then "balance used up", in that order', async () => {
    const user = newUser();
    const kikuai = await signUp(harness, user);
    const payload = await checkedOutFiveDollars(harness, user);
    const charge = { payload, stars: 385, chargeId: `stxRefund${user.id}` };
    await harness.replyTo(successfulPayment(user, charge), { chatId: user.id, text: /Payment received/ });

    const mark = harness.callsFor('sendMessage', user.id).length;
    // Telegram's refunded_payment may come without the invoice payload: the charge id finds it.
    await harness.replyTo(refundedPayment(user, { stars: 385, chargeId: charge.chargeId }), { chatId: user.id, text: /used up/ });
    const told = harness.callsFor('sendMessage', user.id).slice(mark).map(textOf);
    expect(told).toEqual([
      '↩️ Your payment of 385 ⭐ was refunded: $5.00 taken from your balance. Balance: $0.00.',
      expect.stringMatching(/^⛔ Your balance is used up/),
    ]);
    expect((await kikuai.balance.get()).balance_micros).toBe(0);
  });

  it('credits nothing for a payment of more Stars than its invoice, tells the payer, and goes on', async () => {
    const user = newUser();
    const kikuai = await signUp(harness, user);
    const invoice = await invoiceForFiveDollars(harness, user);
    const payload = String(invoice.params.payload);
    const told = await harness.replyTo(successfulPayment(user, { payload, stars: 386, chargeId: `stxOver${user.id}` }), {
      chatId: user.id,
      text: /does not match its invoice/,
    });
    expect(textOf(told)).toContain('386 ⭐');
    expect((await kikuai.balance.get()).balance_micros).toBe(0);
    expect(
      harness.logs.some((line) => line.level === 'error' && /refused by the API/.test(line.message ?? '') && line.fields.code === 'stars_amount_refused'),
    ).toBe(true);
    // The bot goes on with the next update.
    await harness.replyTo(command(user, '/balance'), { chatId: user.id, text: /Your balance/ });
  });

  it('declines a pre-checkout whose amount does not match the invoice', async () => {
    const user = newUser();
    await signUp(harness, user);
    const invoice = await invoiceForFiveDollars(harness, user);
    const answer = await preCheckout(harness, user, { payload: String(invoice.params.payload), stars: 1 });
    expect(answer.params).toMatchObject({ ok: false, error_message: 'The amount does not match this invoice. Create a new top-up with /topup.' });
  });

  it('confirms a payment made in a group privately, and credits it', async () => {
    const user = newUser();
    const kikuai = await signUp(harness, user);
    const payload = await checkedOutFiveDollars(harness, user);
    const group = groupChat();
    const told = await harness.replyTo(successfulPayment(user, { payload, stars: 385, chargeId: `stxGroup${user.id}` }, group), {
      chatId: user.id,
      text: /Payment received/,
    });
    expect(textOf(told)).toContain('New balance: <b>$5.00</b>');
    expect(harness.callsFor('sendMessage', group.id)).toHaveLength(0);
    expect((await kikuai.balance.get()).balance_micros).toBe(5_000_000);
  });

  it('takes an amount typed after /topup', async () => {
    const user = newUser();
    await signUp(harness, user);
    const invoice = await harness.replyTo(command(user, '/topup 10'), { chatId: user.id, method: 'sendInvoice' });
    expect(invoice.params).toMatchObject({ currency: 'XTR', prices: [{ amount: 770 }] });
    // 770 Stars (rounded up) for exactly the $10.00 typed.
    expect(String(invoice.params.title)).toBe('kikuai balance: $10.00');
  });

  it('refuses, in words, more than one Stars invoice can carry', async () => {
    const user = newUser();
    await signUp(harness, user);
    // The API allows $500 a top-up, Telegram 10,000 Stars an invoice: $130.00 at this rate.
    const refused = await harness.replyTo(command(user, '/topup 500'), { chatId: user.id, text: /between/ });
    expect(textOf(refused)).toBe('A top-up must be between $1.00 and $130.00.');
    const invoice = await harness.replyTo(command(user, '/topup 130'), { chatId: user.id, method: 'sendInvoice' });
    expect(invoice.params).toMatchObject({ currency: 'XTR', prices: [{ amount: 10_000 }] });
  });

  it('reads the typed amount as the reply is written: a decimal comma in Russian, not in English', async () => {
    const russian = newUser({ language_code: 'ru' });
    await harness.replyTo(command(russian, '/start'), { chatId: russian.id, text: /kik_/ });
    const invoice = await harness.replyTo(command(russian, '/topup 5,50'), { chatId: russian.id, method: 'sendInvoice' });
    expect(String(invoice.params.title)).toBe('Баланс kikuai: 5,50\u00a0$');

    const english = newUser();
    await signUp(harness, english);
    const refused = await harness.replyTo(command(english, '/topup 5,50'), { chatId: english.id, text: /did not understand/ });
    expect(textOf(refused)).toBe('I did not understand that amount. Try /topup 10 or /topup 12.50.');
    const negative = await harness.replyTo(command(english, '/topup -5'), { chatId: english.id, text: /did not understand/ });
    expect(textOf(negative)).toContain('/topup 12.50');
  });
});
