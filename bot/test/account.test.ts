import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKikuaiClient, KikuaiError } from '@kikuai/sdk';
import { recordProxiedCalls } from '@kikuai/testkit';
import { buttonsOf, secretIn, startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { callbackQuery, command, groupChat, newUser } from './support/updates.js';

let harness: BotHarness;
const clientWithKey = (apiKey: string) => createKikuaiClient({ baseUrl: harness.server.url, auth: { apiKey }, maxRetries: 0 });

beforeAll(async () => {
  harness = await startBotHarness({ bot: { rotateGraceSeconds: 0, webappUrl: 'https://app.kikuai.test/webapp/' } });
});
afterAll(async () => {
  await harness?.close();
});

describe('/start', () => {
  it('creates the account and shows a key that works against the API, once', async () => {
    const user = newUser({ first_name: 'Grace' });
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    const key = secretIn(welcome);
    expect(key).toMatch(/^kik_[0-9A-Za-z]{40,60}$/);
    expect(textOf(welcome)).toContain('Welcome to kikuai, Grace!');
    expect(welcome.params.parse_mode).toBe('HTML');
    expect(buttonsOf(welcome).find((button) => button.web_app)?.web_app?.url).toBe('https://app.kikuai.test/webapp/');

    const me = await clientWithKey(key!).auth.me();
    expect(me.account.telegram_id).toBe(user.id);

    const again = await harness.replyTo(command(user, '/start'), { chatId: user.id });
    expect(textOf(again)).toContain('Welcome back, Grace!');
    expect(secretIn(again)).toBeUndefined();
    expect(buttonsOf(again).map((button) => button.callback_data)).toContain('menu:balance');
    const keys = await harness.server.store.listKeys(me.account.id);
    expect(keys).toHaveLength(1);
  });
});

describe('start-up', () => {
  it('sets the chat menu button to the Mini App', () => {
    const [call] = harness.telegram.callsOf('setChatMenuButton');
    expect(call?.params.menu_button).toEqual({ type: 'web_app', text: '📱 Open app', web_app: { url: 'https://app.kikuai.test/webapp/' } });
  });
});

describe('/balance', () => {
  it('shows the real balance after a credit', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    const me = await clientWithKey(secretIn(welcome)!).auth.me();
    await harness.server.credit(me.account.id, 12_500_000);

    const reply = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    expect(textOf(reply)).toContain('Your balance: <b>$12.50</b>');
  });
});

describe('/api_key', () => {
  it('lists the key by name and prefix without its secret', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    const key = secretIn(welcome)!;
    const reply = await harness.replyTo(command(user, '/api_key'), { chatId: user.id });
    expect(textOf(reply)).toContain('<b>default</b>');
    expect(textOf(reply)).toContain(key.slice(0, 8));
    expect(textOf(reply)).not.toContain(key);
    // The key /start made is a full-access key.
    expect(textOf(reply)).toContain('permissions: all');
  });

  it("shows each key's permissions, in the user's language", async () => {
    const user = newUser({ language_code: 'ru' });
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    await clientWithKey(secretIn(welcome)!).keys.create({ name: 'ci', permissions: ['products:call', 'billing:read'] });
    const reply = await harness.replyTo(command(user, '/api_key'), { chatId: user.id, text: /<b>ci<\/b>/ });
    const [first, second] = textOf(reply).split('\n\n').slice(1);
    expect(first).toContain('права: все');
    expect(second).toContain('<b>ci</b>');
    expect(second).toContain('права: products:call, billing:read');
  });
});

describe('/regenerate_key', () => {
  it('rotates after confirmation: the old key is refused, the new one works', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    const oldKey = secretIn(welcome)!;

    const question = await harness.replyTo(command(user, '/regenerate_key'), { chatId: user.id });
    expect(textOf(question)).toContain('stops working at once');
    const confirm = buttonsOf(question).find((button) => button.callback_data?.startsWith('rot:yes:'));
    expect(confirm?.text).toBe('Yes, regenerate');

    const newKeyMessage = await harness.replyTo(callbackQuery(user, confirm!.callback_data!, { message_id: 42 }), { chatId: user.id, text: /new API key/ });
    const newKey = secretIn(newKeyMessage)!;
    expect(newKey).toMatch(/^kik_/);
    expect(newKey).not.toBe(oldKey);

    await expect(clientWithKey(oldKey).auth.me()).rejects.toSatisfy((error) => error instanceof KikuaiError && error.status === 401);
    expect((await clientWithKey(newKey).auth.me()).account.telegram_id).toBe(user.id);
  });

  it('changes nothing when cancelled', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    const question = await harness.replyTo(command(user, '/regenerate_key'), { chatId: user.id });
    const cancel = buttonsOf(question).find((button) => button.callback_data === 'rot:no')!;
    const edited = await harness.callAfter(
      callbackQuery(user, cancel.callback_data!, { message_id: 7 }),
      'editMessageText',
      (call) => Number(call.params.chat_id) === user.id,
    );
    expect(String(edited.params.text)).toBe('Cancelled. Your key is unchanged.');
    expect((await clientWithKey(secretIn(welcome)!).auth.me()).account.telegram_id).toBe(user.id);
  });
});

describe('in a group', () => {
  it('sends no secret and points to a private chat', async () => {
    const user = newUser();
    const group = groupChat();
    for (const text of ['/start', '/api_key', '/regenerate_key', '/balance']) {
      const reply = await harness.replyTo(command(user, text, group), { chatId: group.id });
      expect(textOf(reply)).toBe('I only show account details and keys in a private chat. Write to me directly.');
      expect(buttonsOf(reply)[0]?.url).toBe('https://t.me/kikuai_test_bot?start=private');
    }
    expect(harness.callsFor('sendMessage', group.id).some((call) => /kik_/.test(textOf(call)))).toBe(false);
    // Nothing was registered for the user either: the API was never called from the group.
    const found = await harness.server.store.getAccountByTelegramId(user.id);
    expect(found).toBeNull();
  });
});

describe('/history', () => {
  it('pages through the ledger with buttons', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /API key/ });
    const me = await clientWithKey(secretIn(welcome)!).auth.me();
    for (let dollars = 1; dollars <= 7; dollars++) await harness.server.credit(me.account.id, dollars * 1_000_000, `grant ${dollars}`);

    const first = await harness.replyTo(command(user, '/history'), { chatId: user.id });
    expect(textOf(first)).toContain('<b>History</b>, page 1');
    expect(textOf(first)).toContain('grant 7');
    expect(textOf(first)).not.toContain('grant 2');
    const older = buttonsOf(first).find((button) => button.text === 'Older ›')!;
    expect(buttonsOf(first).some((button) => button.text === '‹ Newer')).toBe(false);

    const second = await harness.callAfter(
      callbackQuery(user, older.callback_data!, { message_id: 99 }),
      'editMessageText',
      (call) => Number(call.params.chat_id) === user.id,
    );
    expect(String(second.params.text)).toContain('page 2');
    expect(String(second.params.text)).toContain('grant 1');
    expect(second.params.message_id).toBe(99);
    const newer = buttonsOf(second).find((button) => button.text === '‹ Newer')!;
    expect(buttonsOf(second).some((button) => button.text === 'Older ›')).toBe(false);

    const back = await harness.callAfter(
      callbackQuery(user, newer.callback_data!, { message_id: 99 }),
      'editMessageText',
      (call) => Number(call.params.chat_id) === user.id && call !== second,
    );
    expect(String(back.params.text)).toContain('page 1');
  });

  /** A registered user with `calls` proxied calls per product yesterday (written as the proxy writes them), a top-up and a refund among them. */
  async function userWithCalls(languageCode: string, calls: Record<string, number>) {
    const user = newUser({ language_code: languageCode });
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const account = (await harness.server.store.getAccountByTelegramId(user.id))!;
    await harness.server.credit(account.id, 1_000_000, 'Top-up (Telegram Stars)');
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const nine = Date.parse(`${day}T09:00:00.000Z`);
    const products = Object.entries(calls).flatMap(([product, count]) => Array.from({ length: count }, () => product));
    // One call a minute from 09:00 UTC; the first one failed and was refunded.
    await recordProxiedCalls(
      harness.server.store,
      account.id,
      products.map((product_id, minute) => ({ product_id, at: nine + minute * 60_000, refunded: minute === 0 })),
      String(user.id),
    );
    return { user, day };
  }

  it('shows the calls of a day and product on one line, the top-up and the refund on their own, and lists the single calls behind a button', async () => {
    const { user, day } = await userWithCalls('en', { reliapi: 12, routellm: 3 });
    const first = await harness.replyTo(command(user, '/history'), { chatId: user.id });
    const text = textOf(first);
    expect(text).toContain(`${day} · <b>reliapi</b>: 12 calls <b>−$0.012</b>\n09:00–09:11 UTC`);
    expect(text).toContain(`${day} · <b>routellm</b>: 3 calls <b>−$0.003</b>\n09:12–09:14 UTC`);
    expect(text).toContain('refund <b>+$0.001</b>');
    expect(text).toContain('credit <b>+$1.00</b>');
    expect(text.match(/reliapi\/llm/g)).toHaveLength(1); // only the refund's reason: no line per call
    const button = buttonsOf(first).find((candidate) => candidate.text === `🔎 reliapi · ${day.slice(5)}`)!;

    const calls = await harness.callAfter(
      callbackQuery(user, button.callback_data!, { message_id: 77 }),
      'editMessageText',
      (call) => Number(call.params.chat_id) === user.id,
    );
    const lines = String(calls.params.text).split('\n');
    expect(lines[0]).toBe(`<b>reliapi</b>, ${day}: single calls, page 1`);
    expect(lines.slice(1)).toHaveLength(10);
    expect(lines[1]).toBe(`${day} 09:11 UTC · <b>−$0.001</b> · reliapi/llm`);
    const older = buttonsOf(calls).find((candidate) => candidate.text === 'Older ›')!;
    const rest = await harness.callAfter(
      callbackQuery(user, older.callback_data!, { message_id: 77 }),
      'editMessageText',
      (call) => Number(call.params.chat_id) === user.id && call !== calls,
    );
    expect(String(rest.params.text).split('\n').slice(1)).toEqual([
      `${day} 09:01 UTC · <b>−$0.001</b> · reliapi/llm`,
      `${day} 09:00 UTC · <b>−$0.001</b> · reliapi/llm`,
    ]);
    const back = buttonsOf(rest).find((candidate) => candidate.text === '‹ History')!;
    const again = await harness.callAfter(
      callbackQuery(user, back.callback_data!, { message_id: 77 }),
      'editMessageText',
      (call) => Number(call.params.chat_id) === user.id && call !== calls && call !== rest,
    );
    expect(String(again.params.text)).toContain('reliapi</b>: 12 calls');
  });

  it('counts the calls in Russian', async () => {
    const { user, day } = await userWithCalls('ru', { reliapi: 21, routellm: 3 });
    const first = await harness.replyTo(command(user, '/history'), { chatId: user.id });
    expect(textOf(first)).toContain(`${day} · <b>reliapi</b>: 21 вызов <b>−0,021\u00a0$</b>`);
    expect(textOf(first)).toContain(`${day} · <b>routellm</b>: 3 вызова <b>−0,003\u00a0$</b>`);
    expect(buttonsOf(first).map((button) => button.text)).toContain('🔎 routellm · ' + day.slice(5));
  });
});
