/**
 * Issue 16 in Chromium: a user who opens the Mini App before ever sending /start gets
 * the first key's secret here, once, with the signup credit and the quickstart; the
 * account remembers that the Mini App showed it, for the bot's later /start.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTelegram, startTestServer, type FakeTelegram, type TestServer } from '@kikuai/testkit';
import { browserUnavailable, launchChromium, openTelegramPage, type LaunchedBrowser } from './support/browser.js';
import { launchHash, signInitData } from './support/init-data.js';
import { distDir, ensureBuilt, webappOrigin } from './support/webapp.js';
import { lightTheme } from '../src/lib/telegram/themes.js';

const unavailable = browserUnavailable();
const run = promisify(execFile);
let nextTelegramId = 700_000_000 + Math.floor(Math.random() * 1_000_000) * 10;

describe.skipIf(unavailable)('the first key in the Mini App, in Chromium against the real server', () => {
  let telegram: FakeTelegram;
  let server: TestServer;
  let browser: LaunchedBrowser;
  let webapp: { origin: string; close(): Promise<void> };
  const openContexts: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    ensureBuilt();
    telegram = await startFakeTelegram();
    server = await startTestServer({
      env: { TELEGRAM_API_ROOT: telegram.apiRoot, KIKUAI_WEBAPP_DIR: distDir, KIKUAI_SIGNUP_CREDIT_MICROS: '100000', KIKUAI_DEMO_PRODUCT: '1' },
    });
    webapp = await webappOrigin(server.url);
    browser = await launchChromium();
  });
  afterEach(async () => {
    await Promise.all(openContexts.splice(0).map((context) => context.close()));
  });
  afterAll(async () => {
    await browser?.close();
    await webapp?.close();
    await server?.close();
    await telegram?.close();
  });

  async function balanceOf(apiKey: string): Promise<number> {
    const response = await fetch(`${server.url}/api/v1/balance`, { headers: { authorization: `Bearer ${apiKey}` } });
    return ((await response.json()) as { balance_micros: number }).balance_micros;
  }

  async function open(user: { id: number; first_name: string }) {
    const initData = signInitData(server.botToken, { ...user, language_code: 'en' });
    const { context, page } = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/${launchHash(initData, lightTheme)}`);
    openContexts.push(context);
    return page;
  }

  it('shows the first secret once, with the credit and a quickstart that uses it; a later /start is told the Mini App showed it', async () => {
    const user = { id: nextTelegramId++, first_name: 'Noa' };
    const page = await open(user);

    const secret = page.getByTestId('secret');
    await expect.poll(() => secret.inputValue()).toMatch(/^kik_[0-9A-Za-z]{49}$/);
    const key = await secret.inputValue();
    expect(await page.getByTestId('secret-once').textContent()).toContain('shown only this once');
    const curl = await page.getByTestId('quickstart-curl').textContent();
    expect(curl).toBe(
      `curl -sS -X POST ${webapp.origin}/api/v1/proxy/demo/echo -H "Authorization: Bearer ${key}" -H "Content-Type: application/json" -d '{"hello":"kikuai"}'`,
    );
    expect(await page.getByTestId('base-url').textContent()).toBe(webapp.origin);
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('$0.10');
    // The quickstart's curl, run as shown, is answered and charged the demo's $0.0001.
    expect(JSON.parse((await run('sh', ['-c', curl!])).stdout)).toEqual({ echo: { hello: 'kikuai' } });
    expect(await balanceOf(key)).toBe(100_000 - 100);
    expect(await page.getByTestId('low-balance').count()).toBe(0);
    expect(await page.getByTestId('signup-credit').count()).toBe(1);

    // The key works against the API.
    const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(((await me.json()) as { account: { telegram_id: number } }).account.telegram_id).toBe(user.id);

    await page.getByRole('button', { name: 'I have stored it' }).click();
    await expect.poll(() => secret.count()).toBe(0);

    // Opened again: the account exists, the secret is not shown again.
    const again = await open(user);
    await expect.poll(() => again.getByTestId('balance').textContent()).toBe('$0.0999');
    expect(await again.getByTestId('secret').count()).toBe(0);

    // The bot's /start registers the same user: not created, and the account says who showed the secret.
    const viaBot = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kikuai-service-token': server.serviceToken, 'x-kikuai-telegram-user-id': String(user.id) },
      body: JSON.stringify({ telegram_user: { id: user.id } }),
    });
    expect(viaBot.status).toBe(200);
    expect(await viaBot.json()).toMatchObject({ created: false, api_key: null, account: { first_key_shown_in: 'mini_app' } });
  });

  it("shows a product's endpoint, price, limits and examples, and the page's curl is answered and charged", async () => {
    const user = { id: nextTelegramId++, first_name: 'Ada' };
    const page = await open(user);
    const key = await page.getByTestId('secret').inputValue();
    await page.getByRole('button', { name: 'I have stored it' }).click();

    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Products' }).click();
    await page
      .getByTestId('product-list')
      .getByRole('button', { name: /Demo echo/ })
      .click();
    const echo = page.getByTestId('endpoint-echo');
    expect(await echo.getByTestId('endpoint-url').textContent()).toBe(`POST ${webapp.origin}/api/v1/proxy/demo/echo`);
    expect(await page.getByTestId('product-limits').textContent()).toContain('Request body up to 64 KiB');
    expect(await echo.getByTestId('example-cli').textContent()).toBe(`npx kikuai call demo echo --data '{"hello":"kikuai"}'`);
    const curl = await echo.getByTestId('example-curl').textContent();

    const answered = await run('sh', ['-c', curl!], { env: { ...process.env, KIKUAI_API_KEY: key } });
    expect(JSON.parse(answered.stdout)).toEqual({ echo: { hello: 'kikuai' } });
    expect(await balanceOf(key)).toBe(100_000 - 100);
  });
});
