import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { recordProxiedCalls, startFakeTelegram, startTestServer, type FakeTelegram, type TestServer } from '@kikuai/testkit';
import { browserUnavailable, launchChromium, openTelegramPage, sendTelegramEvent, telegramEvents, type LaunchedBrowser } from './support/browser.js';
import { launchHash, signInitData } from './support/init-data.js';
import { distDir, ensureBuilt, staticWebapp, webappOrigin } from './support/webapp.js';
import { darkTheme, lightTheme } from '../src/lib/telegram/themes.js';

const screenshotDir = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const unavailable = browserUnavailable();

describe.skipIf(unavailable)('the Mini App in Chromium against the real server', () => {
  let telegram: FakeTelegram;
  let server: TestServer;
  let browser: LaunchedBrowser;
  let webapp: { origin: string; close(): Promise<void> };
  const openContexts: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    ensureBuilt();
    telegram = await startFakeTelegram();
    server = await startTestServer({ env: { TELEGRAM_API_ROOT: telegram.apiRoot, KIKUAI_WEBAPP_DIR: distDir } });
    webapp = await webappOrigin(server.url);
    browser = await launchChromium();
    mkdirSync(screenshotDir, { recursive: true });
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

  /** A Telegram user with an account (registered as the bot would), and a page opened by them. */
  async function openAsNewUser(options: { theme?: Record<string, string | undefined>; creditMicros?: number } = {}) {
    const user = { id: 0, first_name: 'Ada', username: 'ada', language_code: 'en' };
    const { account, apiKey } = await server.register({ first_name: user.first_name, username: user.username });
    user.id = account.telegram_id;
    if (options.creditMicros) await server.credit(account.id, options.creditMicros, 'welcome credit');
    const initData = signInitData(server.botToken, user);
    const { context, page } = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/${launchHash(initData, options.theme ?? lightTheme)}`);
    openContexts.push(context);
    return { account, apiKey, page, initData };
  }

  async function openTab(page: Page, label: string) {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: label }).click();
  }

  /** The row of the key named `name` in the Keys list. */
  const keyRow = (page: Page, name: RegExp) => page.getByTestId('key-list').getByRole('button', { name });

  it('shows the account’s real balance on the dashboard and tells Telegram it is ready', async () => {
    const { page } = await openAsNewUser({ creditMicros: 12_345_000 });

    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('$12.345');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hi, Ada');
    const sent = (await telegramEvents(page)).map(([type]) => type);
    expect(sent).toContain('web_app_ready');
    expect(sent).toContain('web_app_expand');
  });

  it('warns when the balance is low', async () => {
    const { page } = await openAsNewUser({ creditMicros: 250_000 });

    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('$0.25');
    expect(await page.getByTestId('low-balance').textContent()).toContain('below $1.00');
  });

  it('creates a key whose secret is shown once and works against the API, then revokes it', async () => {
    const { page, account } = await openAsNewUser();
    await openTab(page, 'Keys');

    await page.getByLabel('Name', { exact: true }).fill('laptop');
    await page.getByRole('button', { name: 'Create key' }).click();
    const secret = await page.getByTestId('secret').inputValue();
    expect(secret).toMatch(/^kik_[0-9A-Za-z]{40,60}$/);

    const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { account: { id: string } }).account.id).toBe(account.id);

    await page.getByRole('button', { name: 'I have stored it' }).click();
    expect(await page.getByTestId('secret').count()).toBe(0);
    const keyList = page.getByTestId('key-list');
    await keyList.getByRole('button', { name: /laptop/ }).click();
    await page.getByRole('heading', { level: 1, name: 'laptop' }).waitFor();
    const backShown = (await telegramEvents(page)).filter(([type]) => type === 'web_app_setup_back_button').at(-1);
    expect(backShown?.[1]).toBe(JSON.stringify({ is_visible: true }));

    await page.getByRole('button', { name: 'Revoke key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “laptop”?' });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await expect.poll(() => keyList.getByRole('button', { name: /laptop/ }).count()).toBe(0);
    expect(await keyList.getByRole('button', { name: /default/ }).count()).toBe(1);

    const refused = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(refused.status).toBe(401);
  });

  it('renames a key, limits its spending, sets its expiry and rotates its secret', async () => {
    const { page, account, apiKey: oldSecret } = await openAsNewUser();
    await openTab(page, 'Keys');
    await keyRow(page, /default/).click();

    await page.getByRole('textbox', { name: 'Name' }).fill('ci runner');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('heading', { level: 1, name: 'ci runner' }).waitFor();
    await page.getByLabel('Limit (USD)').fill('2.50');
    await page.getByLabel('Per').selectOption('weekly');
    await page.getByRole('button', { name: 'Save limit' }).click();
    await page.getByText('Spend limit saved.').waitFor();
    await page.getByLabel('Expires at the end of (UTC)').fill('2099-12-31');
    await page.getByRole('button', { name: 'Save expiry' }).click();
    await page.getByText('Expiry saved.').waitFor();

    const keys = await fetch(`${server.url}/api/v1/api_keys`, {
      headers: { 'x-kikuai-service-token': server.serviceToken, 'x-kikuai-telegram-user-id': String(account.telegram_id) },
    });
    const [key] = ((await keys.json()) as { data: { name: string; expires_at: string; spend_limit: { limit_micros: number; period: string } }[] }).data;
    expect(key).toMatchObject({ name: 'ci runner', expires_at: '2099-12-31T23:59:59.000Z', spend_limit: { limit_micros: 2_500_000, period: 'weekly' } });

    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('dialog', { name: 'Rotate “ci runner”?' }).getByRole('button', { name: 'Rotate' }).click();
    const newSecret = await page.getByTestId('secret').inputValue();
    expect(newSecret).not.toBe(oldSecret);
    const withNew = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${newSecret}` } });
    expect(withNew.status).toBe(200);
    const withOld = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${oldSecret}` } });
    expect(withOld.status).toBe(401);
  });

  it("shows a key's permissions on its screen: all four on the first key, only those given on a restricted one", async () => {
    const { page, apiKey } = await openAsNewUser();
    const made = await fetch(`${server.url}/api/v1/api_keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'caller', permissions: ['products:call', 'billing:read'] }),
    });
    expect(made.status).toBe(201);
    const permissionLines = async () =>
      (await page.getByTestId('key-permissions').getByRole('listitem').allTextContents()).map((line) => line.replace(/\s+/g, ' ').trim());

    await openTab(page, 'Keys');
    await keyRow(page, /default/).click();
    await page.getByRole('heading', { level: 2, name: 'Permissions' }).waitFor();
    expect(await permissionLines()).toEqual([
      '✓ Call products products:call allowed',
      '✓ Read balance, usage and history billing:read allowed',
      '✓ Start top-ups and change settings billing:write allowed',
      '✓ Manage other keys keys:manage allowed',
    ]);
    expect(await page.getByText('Full access.').count()).toBe(1);

    await openTab(page, 'Keys');
    await keyRow(page, /caller/).click();
    await page.getByRole('heading', { level: 1, name: 'caller' }).waitFor();
    await page.getByTestId('key-permissions').waitFor();
    expect(await permissionLines()).toEqual([
      '✓ Call products products:call allowed',
      '✓ Read balance, usage and history billing:read allowed',
      '✗ Start top-ups and change settings billing:write not allowed',
      '✗ Manage other keys keys:manage not allowed',
    ]);
    expect(await page.getByText('Restricted.').count()).toBe(1);
  });

  it('pays a top-up with Stars through openInvoice with the API’s invoice link, and refreshes the balance when paid', async () => {
    const { page, account } = await openAsNewUser({ creditMicros: 1_000_000 });
    await openTab(page, 'Top up');
    await page.getByRole('radio', { name: '$5.00' }).check();
    await expect
      .poll(async () => (await telegramEvents(page)).filter(([type]) => type === 'web_app_setup_main_button').at(-1)?.[1])
      .toContain('"is_visible":true');

    const topupResponse = page.waitForResponse((response) => response.url().endsWith('/api/v1/payment/topup'));
    await sendTelegramEvent(page, 'main_button_pressed');
    const topup = (await (await topupResponse).json()) as { invoice_link: string; amount_micros: number; stars: number };
    expect(topup.amount_micros).toBeGreaterThanOrEqual(5_000_000);
    const slug = topup.invoice_link.replace('https://t.me/$', '');
    await expect
      .poll(async () => (await telegramEvents(page)).filter(([type]) => type === 'web_app_open_invoice'))
      .toEqual([['web_app_open_invoice', JSON.stringify({ slug })]]);

    // Telegram charges the user and the bot reports successful_payment; then the invoice closes as paid.
    const invoice = telegram.callsOf('createInvoiceLink').at(-1)!.params as { payload: string; prices: { amount: number }[] };
    const recorded = await fetch(`${server.url}/api/v1/payment/stars/payments`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-kikuai-service-token': server.serviceToken,
        'x-kikuai-telegram-user-id': String(account.telegram_id),
      },
      body: JSON.stringify({
        invoice_payload: invoice.payload,
        currency: 'XTR',
        total_amount: invoice.prices[0]!.amount,
        telegram_payment_charge_id: `charge-${account.id}`,
      }),
    });
    expect(recorded.status).toBe(200);
    await sendTelegramEvent(page, 'invoice_closed', { slug, status: 'paid' });

    // Stars are whole: $5.00 rounds up to the next whole Star, and that is what is credited.
    const balance = await fetch(`${server.url}/api/v1/balance`, {
      headers: { 'x-kikuai-service-token': server.serviceToken, 'x-kikuai-telegram-user-id': String(account.telegram_id) },
    });
    const { balance_micros } = (await balance.json()) as { balance_micros: number };
    expect(balance_micros).toBe(1_000_000 + topup.amount_micros);
    // As the app writes dollars: trailing zeros dropped, at least two decimals.
    const whole = Math.floor(balance_micros / 1_000_000);
    const fraction = String(balance_micros % 1_000_000)
      .padStart(6, '0')
      .replace(/0{1,4}$/, '');
    const shown = `$${whole}.${fraction}`;
    await expect.poll(() => page.getByTestId('topup-outcome').textContent()).toBe(`Paid. Your balance is ${shown}.`);
  });

  it('shows the calls of a day and product as one row, top-ups and refunds as rows of their own, and the single calls one tap away', async () => {
    const { page, account } = await openAsNewUser({ creditMicros: 1_000_000 });
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const nine = Date.parse(`${day}T09:00:00.000Z`);
    // 12 reliapi calls, then 3 routellm calls, one a minute from 09:00 UTC yesterday; the first one refunded.
    const made = Array.from({ length: 15 }, (_, i) => ({ product_id: i < 12 ? 'reliapi' : 'routellm', at: nine + i * 60_000, refunded: i === 0 }));
    await recordProxiedCalls(server.store, account.id, made, 'mini');

    await openTab(page, 'History');
    const list = page.getByTestId('history-list');
    await list.waitFor();
    const rows = await list.locator(':scope > li').allInnerTexts();
    const flat = rows.map((text) => text.replace(/\s+/g, ' ').trim());
    expect(flat).toHaveLength(4);
    expect(flat[0]).toMatch(/^routellm · 3 calls .+ · 09:12–09:14 UTC [-−]\$0\.003 Show calls$/);
    expect(flat[1]).toMatch(/^reliapi · 12 calls .+ · 09:00–09:11 UTC [-−]\$0\.012 Show calls$/);
    expect(flat[2]).toMatch(/^reliapi\/llm refunded: upstream_error Refund · .+ \+\$0\.001 \$1\.00$/);
    expect(flat[3]).toMatch(/^Operator: welcome credit Credit · .+ \+\$1\.00 \$1\.00$/);

    const reliapi = page.getByTestId('charges-group').filter({ hasText: 'reliapi · 12 calls' });
    await reliapi.getByRole('button').first().click();
    const calls = reliapi.getByTestId('group-calls').locator('li');
    await expect.poll(() => calls.count()).toBe(12);
    expect((await calls.first().innerText()).replace(/\s+/g, ' ')).toMatch(/reliapi\/llm [-−]\$0\.001$/);
    expect(await reliapi.getByRole('button').first().getAttribute('aria-expanded')).toBe('true');
    await page.screenshot({ path: path.join(screenshotDir, 'history-calls-light.png') });
  });

  it('shows an auth error when initData is forged or expired', async () => {
    const { account } = await server.register();
    const user = { id: account.telegram_id, first_name: 'Mallory' };

    const forged = signInitData('123456:not-the-bot-token', user);
    const forgedPage = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/${launchHash(forged, lightTheme)}`);
    openContexts.push(forgedPage.context);
    await forgedPage.page.getByTestId('auth-error').waitFor();
    expect(await forgedPage.page.getByRole('heading', { level: 1 }).textContent()).toBe('Telegram could not confirm who you are');

    const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86_400;
    const expired = signInitData(server.botToken, user, { authDate: twoDaysAgo });
    const expiredPage = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/${launchHash(expired, lightTheme)}`);
    openContexts.push(expiredPage.context);
    await expiredPage.page.getByTestId('auth-error').waitFor();
    expect(await expiredPage.page.getByRole('heading', { level: 1 }).textContent()).toBe('This session has expired');
  });

  it('says the server is unreachable when the API is down, and offers to try again', async () => {
    // The app's files are served, but the API behind them does not answer (a closed port).
    const deadApi = await staticWebapp('http://127.0.0.1:9');
    try {
      const initData = signInitData(server.botToken, { id: 42, first_name: 'Ada' });
      const { context, page } = await openTelegramPage(browser.browser, `${deadApi.origin}/webapp/${launchHash(initData, darkTheme)}`);
      openContexts.push(context);

      await page.getByTestId('start-error').waitFor();
      expect(await page.getByRole('heading', { level: 1 }).textContent()).toMatch(/kikuai is (not reachable|having trouble)/);
      expect(await page.getByRole('button', { name: 'Try again' }).isVisible()).toBe(true);
    } finally {
      await deadApi.close();
    }
  });

  it('says it must be opened in Telegram when there are no launch parameters', async () => {
    const { context, page } = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/`);
    openContexts.push(context);

    await page.getByTestId('outside-telegram').waitFor();
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Open kikuai in Telegram');
    expect(await telegramEvents(page)).toEqual([]);
  });

  it('follows theme_changed live', async () => {
    const { page } = await openAsNewUser({ theme: lightTheme });
    await page.getByTestId('balance').waitFor();
    const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(await background()).toBe('rgb(244, 244, 245)');

    await sendTelegramEvent(page, 'theme_changed', { theme_params: darkTheme });

    await expect.poll(background).toBe('rgb(24, 24, 24)');
    expect(await page.evaluate(() => document.documentElement.dataset.colorScheme)).toBe('dark');
  });

  it('saves a screenshot of every screen at 390×844 in the light and the dark theme', async () => {
    for (const [themeName, theme] of [
      ['light', lightTheme],
      ['dark', darkTheme],
    ] as const) {
      const { page, account } = await openAsNewUser({ theme, creditMicros: 7_500_000 });
      const shoot = (screen: string) => page.screenshot({ path: path.join(screenshotDir, `${screen}-${themeName}.png`) });
      await page.getByTestId('balance').waitFor();
      await page.getByRole('img', { name: /Usage over 7 days/ }).waitFor();
      await shoot('dashboard');

      await openTab(page, 'Keys');
      await page.getByTestId('key-list').waitFor();
      await shoot('keys');
      await keyRow(page, /default/).click();
      await page.getByRole('heading', { level: 2, name: 'Spend limit' }).waitFor();
      await shoot('key-detail');

      await openTab(page, 'Top up');
      await page.getByRole('radio').first().waitFor();
      await shoot('topup');

      await openTab(page, 'History');
      await page.getByTestId('history-list').waitFor();
      await shoot('history');

      await openTab(page, 'Products');
      await page.getByTestId('product-list').waitFor();
      await shoot('products');
      await page.getByTestId('product-list').getByRole('button').first().click();
      await page.getByRole('heading', { level: 2, name: 'Prices' }).waitFor();
      await shoot('product-detail');

      const expired = signInitData(server.botToken, { id: account.telegram_id }, { authDate: 1_000_000_000 });
      await page.goto(`${webapp.origin}/webapp/${launchHash(expired, theme)}`);
      await page.reload();
      await page.getByTestId('auth-error').waitFor();
      await shoot('auth-error');
    }
    const outside = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/`);
    openContexts.push(outside.context);
    await outside.page.getByTestId('outside-telegram').waitFor();
    await outside.page.screenshot({ path: path.join(screenshotDir, 'outside-telegram-light.png') });
    await outside.page.emulateMedia({ colorScheme: 'dark' });
    await outside.page.screenshot({ path: path.join(screenshotDir, 'outside-telegram-dark.png') });
  });
});
