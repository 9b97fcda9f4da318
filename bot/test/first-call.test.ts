/**
 * Issue 16, through the real bot, the fake Bot API and the real server: a new user's
 * /start carries the key, the signup credit and a quickstart whose curl works as printed;
 * the Mini App coming first is remembered; /new_key; next steps instead of warnings.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKikuaiClient } from '@kikuai/sdk';
import { sendJson, signInitData, startRecordingServer, writeTestProductsFile, type RecordingServer } from '@kikuai/testkit';
import { buttonsOf, secretIn, startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { callbackQuery, command, newUser } from './support/updates.js';

const run = promisify(execFile);
const SIGNUP_CREDIT = 100_000;
const PRICE = 1_000;
const UPSTREAM_SECRET = 'reliapi-upstream-secret-for-tests';

let harness: BotHarness;
let upstream: RecordingServer;

beforeAll(async () => {
  upstream = await startRecordingServer((_request, response) => sendJson(response, 200, { ok: true, status: 'up' }));
  harness = await startBotHarness({
    serverEnv: {
      KIKUAI_SIGNUP_CREDIT_MICROS: String(SIGNUP_CREDIT),
      KIKUAI_PRODUCTS_FILE: writeTestProductsFile({ priceMicros: PRICE }),
      RELIAPI_URL: upstream.url,
      RELIAPI_API_KEY: UPSTREAM_SECRET,
    },
  });
});
afterAll(async () => {
  await harness?.close();
  await upstream?.close();
});

/** What Telegram shows of an HTML message: the text without tags, entities decoded. */
const rendered = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
const preBlocks = (html: string) => [...html.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((match) => rendered(match[1]!));
const balanceOf = (apiKey: string) => createKikuaiClient({ baseUrl: harness.server.url, auth: { apiKey }, maxRetries: 0 }).balance.get();
const noEmptyRows = (call: { params: Record<string, unknown> }) =>
  ((call.params.reply_markup as { inline_keyboard?: unknown[][] } | undefined)?.inline_keyboard ?? []).every((row) => row.length > 0);

describe('a first call that succeeds', () => {
  it('(a) /start → the curl in the message, run as printed → answered and charged', async () => {
    const started = Date.now();
    const user = newUser({ first_name: 'Lin' });
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const html = textOf(welcome);
    const key = secretIn(welcome)!;
    expect(html).toContain('<b>$0.10</b> of free credit');
    expect(html).toContain(`${harness.server.url}/docs`);
    expect(html).toContain('npm i @kikuai/sdk');
    expect(html).toContain(`npx kikuai login --base-url ${harness.server.url}`);
    expect(buttonsOf(welcome).map((button) => button.callback_data)).toContain('key:stored');
    expect(noEmptyRows(welcome)).toBe(true);

    const curl = preBlocks(html).find((block) => block.startsWith('curl '))!;
    expect(curl).toContain(`Bearer ${key}`);
    const { stdout } = await run('sh', ['-c', `${curl} -w '\\n%{http_code}'`]);
    const [body, status] = stdout.trim().split('\n');
    expect(status).toBe('200');
    expect(JSON.parse(body!)).toEqual({ ok: true, status: 'up' });
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${UPSTREAM_SECRET}`);
    expect((await balanceOf(key)).balance_micros).toBe(SIGNUP_CREDIT - PRICE);
    // Steps: send /start, copy the curl, run it.
    console.log(`first call: 3 steps (send /start, copy the curl, run it), ${((Date.now() - started) / 1000).toFixed(2)} s`);
  });

  it('deletes the key message when the user has stored the key, and repeats the quickstart without the secret', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const key = secretIn(welcome)!;
    const again = await harness.replyTo(callbackQuery(user, 'key:stored', { message_id: 77 }), { chatId: user.id, text: /KIKUAI_API_KEY/ });
    const deleted = harness.callsFor('deleteMessage', user.id);
    expect(deleted.map((call) => Number(call.params.message_id))).toEqual([77]);
    expect(textOf(again)).not.toContain(key);
    expect(preBlocks(textOf(again)).find((block) => block.startsWith('curl '))).toContain('Bearer $KIKUAI_API_KEY');
  });

  it('says the first secret was shown in the Mini App when the Mini App came first, and shows no secret', async () => {
    const user = newUser({ first_name: 'Mia' });
    const initData = signInitData(
      { auth_date: String(Math.floor(Date.now() / 1000)), query_id: 'AAHtest', user: JSON.stringify({ id: user.id, first_name: 'Mia' }) },
      harness.server.botToken,
    );
    const registered = await fetch(`${harness.server.url}/api/v1/auth/register`, { method: 'POST', headers: { authorization: `tma ${initData}` } });
    expect(registered.status).toBe(201);

    const reply = await harness.replyTo(command(user, '/start'), { chatId: user.id });
    expect(textOf(reply)).toContain('shown in the Mini App');
    expect(textOf(reply)).not.toContain('shown here');
    expect(secretIn(reply)).toBeUndefined();
  });

  it('says so in Russian for a Russian-speaking user', async () => {
    const user = newUser({ language_code: 'ru' });
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const reply = await harness.replyTo(command(user, '/start'), { chatId: user.id });
    expect(textOf(reply)).toContain('был показан здесь, в этом чате');
    expect(textOf(reply)).toContain('Ваш первый вызов');
  });
});

describe('a bot that knows the way', () => {
  it('/new_key makes another key with the chosen permissions and shows it once, with the quickstart', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const question = await harness.replyTo(command(user, '/new_key ci'), { chatId: user.id });
    expect(noEmptyRows(question)).toBe(true);
    const callsOnly = buttonsOf(question).find((button) => button.callback_data === 'nk:calls:ci')!;
    expect(callsOnly.text).toBe('Only call products');
    const made = await harness.replyTo(callbackQuery(user, callsOnly.callback_data!), { chatId: user.id, text: /new key/ });
    const secret = secretIn(made)!;
    expect(secret).not.toBe(secretIn(welcome));
    expect(textOf(made)).toContain('permissions: products:call');
    expect(preBlocks(textOf(made))[0]).toContain(`Bearer ${secret}`);

    const keys = await createKikuaiClient({ baseUrl: harness.server.url, auth: { apiKey: secretIn(welcome)! }, maxRetries: 0 }).keys.list();
    expect(keys.data.find((key) => key.name === 'ci')?.permissions).toEqual(['products:call']);
  });

  it('/new_key with the permissions in the command makes the key at once', async () => {
    const user = newUser();
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const made = await harness.replyTo(command(user, '/new_key reports read'), { chatId: user.id, text: /new key/ });
    expect(textOf(made)).toContain('<b>reports</b> (permissions: billing:read)');
  });

  it('answers "that key no longer exists" when the key to regenerate was revoked meanwhile', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const client = createKikuaiClient({ baseUrl: harness.server.url, auth: { apiKey: secretIn(welcome)! }, maxRetries: 0 });
    const spare = await client.keys.create({ name: 'spare' });
    await client.keys.revoke(spare.id);
    const edited = await harness.callAfter(callbackQuery(user, `rot:yes:${spare.id}`, { message_id: 5 }), 'editMessageText', (call) =>
      /no longer exists/.test(String(call.params.text)),
    );
    expect(String(edited.params.text)).toBe('That key no longer exists. See /api_key.');
    expect(
      harness
        .callsFor('sendMessage', user.id)
        .map((call) => textOf(call))
        .join('\n'),
    ).not.toMatch(/went wrong/);
  });

  it('answers a new $0 account with the next step, never "running low", and sends no empty button rows', async () => {
    const user = newUser();
    const welcome = await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const client = createKikuaiClient({ baseUrl: harness.server.url, auth: { apiKey: secretIn(welcome)! }, maxRetries: 0 });
    // Spend the whole credit, a call at a time.
    for (let spent = 0; spent < SIGNUP_CREDIT; spent += PRICE) await client.proxy.http({ target: 'example', method: 'GET', path: '/status' });
    expect((await client.balance.get()).balance_micros).toBe(0);

    const balance = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    expect(textOf(balance)).toContain('Next step: add money with /topup');
    expect(textOf(balance)).not.toContain('running low');
    const history = await harness.replyTo(command(user, '/history'), { chatId: user.id });
    for (const call of [balance, history]) expect(noEmptyRows(call)).toBe(true);
  });

  it('tells a new account on its signup credit nothing about running low', async () => {
    const user = newUser();
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const balance = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    expect(textOf(balance)).toContain('Your balance: <b>$0.10</b>');
    expect(textOf(balance)).not.toContain('running low');
    const history = await harness.replyTo(command(user, '/history'), { chatId: user.id });
    // History rows carry their sign, as in the Mini App and the CLI.
    expect(textOf(history)).toContain('signup credit <b>+$0.10</b>');
    expect(noEmptyRows(history)).toBe(true);
  });

  it('sends a user without an account to /start instead of an error', async () => {
    const user = newUser();
    const reply = await harness.replyTo(command(user, '/balance'), { chatId: user.id });
    expect(textOf(reply)).toBe('You have no account yet. Send /start to create it.');
  });
});
