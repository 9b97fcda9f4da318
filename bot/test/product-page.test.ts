/**
 * Issue 16, item 4, through the real bot and the real server with the built-in demo product:
 * a product's page shows its endpoint (method and full URL), price, limits and a curl that,
 * run as printed with the user's key, is answered and charged.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKikuaiClient } from '@kikuai/sdk';
import { secretIn, startBotHarness, textOf, type BotHarness } from './support/harness.js';
import { command, newUser } from './support/updates.js';

const run = promisify(execFile);
const SIGNUP_CREDIT = 100_000;
const DEMO_PRICE = 100;

let harness: BotHarness;

beforeAll(async () => {
  harness = await startBotHarness({ serverEnv: { KIKUAI_SIGNUP_CREDIT_MICROS: String(SIGNUP_CREDIT), KIKUAI_DEMO_PRODUCT: '1' } });
});
afterAll(async () => {
  await harness?.close();
});

/** What Telegram shows of an HTML block: the text without tags, entities decoded. */
const rendered = (html: string) =>
  html
    .replace(/<[^>]+>/g, '')
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
const preBlocks = (html: string) => [...html.matchAll(/<pre>([\s\S]*?)<\/pre>/g)].map((match) => rendered(match[1]!));

describe("a product's page in the bot", () => {
  it('shows the endpoint, price and limits, and its curl run as printed is answered and charged', async () => {
    const user = newUser();
    const key = secretIn(await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ }))!;

    const page = textOf(await harness.replyTo(command(user, '/product demo'), { chatId: user.id, text: /Demo echo/ }));
    expect(rendered(page)).toContain(`POST ${harness.server.url}/api/v1/proxy/demo/echo`);
    expect(rendered(page)).toContain('$0.0001 per request');
    expect(rendered(page)).toContain('Limits: 600 requests per 60 s per account · request body up to 64 KiB · the answer must begin within 10 s');
    expect(rendered(page)).toContain(`Docs: ${harness.server.url}/docs`);
    const [curl, sdk, cli] = preBlocks(page);
    expect(sdk).toContain("kikuai.proxy.call('demo', 'echo', { hello: 'kikuai' })");
    expect(cli).toBe(`npx kikuai call demo echo --data '{"hello":"kikuai"}'`);

    // The user's shell: the key in KIKUAI_API_KEY, as the page says.
    const { stdout } = await run('sh', ['-c', `${curl} -w '\\n%{http_code}'`], { env: { ...process.env, KIKUAI_API_KEY: key } });
    const [body, status] = stdout.trim().split('\n');
    expect(status).toBe('200');
    expect(JSON.parse(body!)).toEqual({ echo: { hello: 'kikuai' } });
    const balance = await createKikuaiClient({ baseUrl: harness.server.url, auth: { apiKey: key }, maxRetries: 0 }).balance.get();
    expect(balance.balance_micros).toBe(SIGNUP_CREDIT - DEMO_PRICE);
  });

  it("writes the body limit in the reader's language", async () => {
    const user = newUser({ language_code: 'ru' });
    await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ });
    const page = textOf(await harness.replyTo(command(user, '/product demo'), { chatId: user.id, text: /Лимиты/ }));
    expect(rendered(page)).toContain('тело запроса до 64\u00a0КиБ');
  });

  it('puts the demo in the quickstart when the demo product is on', async () => {
    const user = newUser();
    const welcome = textOf(await harness.replyTo(command(user, '/start'), { chatId: user.id, text: /kik_/ }));
    expect(preBlocks(welcome).find((block) => block.startsWith('curl '))).toContain(`${harness.server.url}/api/v1/proxy/demo/echo`);
  });
});
