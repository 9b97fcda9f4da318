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
import { en, type MessageKey } from '../src/lib/i18n/en.js';
import { ru } from '../src/lib/i18n/ru.js';

const screenshotDir = fileURLToPath(new URL('../test-results/screenshots/', import.meta.url));
const unavailable = browserUnavailable();

/**
 * The English catalog's words that Russian writes otherwise: the pieces of each message around
 * its placeholders, at least one word of four letters (shorter pieces such as "from" or "s per"
 * are also English product text). None may show on a screen in Russian.
 */
const englishOnly = [
  ...new Set(
    (Object.keys(en) as MessageKey[]).flatMap((key) =>
      en[key]
        .split('|')
        .flatMap((form) => form.split(/\{\w+\}/))
        .map((piece) => piece.replace(/^[\s·:.,]+|[\s·:.,…]+$/g, ''))
        .filter((piece) => /\p{L}{4}/u.test(piece) && !ru[key].includes(piece)),
    ),
  ),
];

/** English catalog words on the page: its text and what it tells a screen reader (aria-label, placeholder). */
async function englishOn(page: Page, apiWords: string[]): Promise<string[]> {
  let shown = await page.evaluate(() =>
    [
      document.body.innerText,
      ...Array.from(
        document.querySelectorAll('[aria-label], [placeholder]'),
        (element) => `${element.getAttribute('aria-label') ?? ''} ${element.getAttribute('placeholder') ?? ''}`,
      ),
    ].join('\n'),
  );
  // What the API writes (product names and descriptions, commands) is English today: not the app's words.
  for (const words of apiWords) shown = shown.replaceAll(words, '');
  return englishOnly.filter((words) => new RegExp(`(^|[^\\p{L}])${words.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^\\p{L}])`, 'u').test(shown));
}

describe.skipIf(unavailable)('the Mini App in Chromium against the real server', () => {
  let telegram: FakeTelegram;
  let server: TestServer;
  let browser: LaunchedBrowser;
  let webapp: { origin: string; close(): Promise<void> };
  const openContexts: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    ensureBuilt();
    telegram = await startFakeTelegram();
    server = await startTestServer({ env: { TELEGRAM_API_ROOT: telegram.apiRoot, KIKUAI_WEBAPP_DIR: distDir, KIKUAI_DEMO_PRODUCT: '1' } });
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
  async function openAsNewUser(
    options: { theme?: Record<string, string | undefined>; creditMicros?: number; language?: 'en' | 'ru'; demoCalls?: number } = {},
  ) {
    const user = { id: 0, first_name: 'Ada', username: 'ada', language_code: options.language ?? 'en' };
    const { account, apiKey } = await server.register({ first_name: user.first_name, username: user.username });
    user.id = account.telegram_id;
    if (options.creditMicros) await server.credit(account.id, options.creditMicros, 'welcome credit');
    if (options.demoCalls) await callDemo(apiKey, options.demoCalls);
    const initData = signInitData(server.botToken, user);
    const { context, page } = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/${launchHash(initData, options.theme ?? lightTheme)}`);
    openContexts.push(context);
    return { account, apiKey, page, initData };
  }

  async function openTab(page: Page, label: string) {
    await page.getByRole('navigation').getByRole('button', { name: label }).click();
  }

  /** The MainButton as Telegram would draw it now: the last `web_app_setup_main_button` the app sent. */
  async function mainButton(page: Page): Promise<{ is_visible: boolean; is_active?: boolean; text?: string } | undefined> {
    const last = (await telegramEvents(page)).filter(([type]) => type === 'web_app_setup_main_button').at(-1);
    return last?.[1] ? (JSON.parse(last[1]) as { is_visible: boolean; is_active?: boolean; text?: string }) : undefined;
  }

  /** Whether Telegram would show the BackButton now: the last `web_app_setup_back_button` the app sent. */
  async function backButtonVisible(page: Page): Promise<boolean> {
    const last = (await telegramEvents(page)).filter(([type]) => type === 'web_app_setup_back_button').at(-1);
    return last?.[1] ? (JSON.parse(last[1]) as { is_visible: boolean }).is_visible : false;
  }

  /** Plays the user tapping the MainButton, once Telegram shows it active with `text`. */
  async function tapMainButton(page: Page, text: string | RegExp) {
    await expect.poll(() => mainButton(page)).toMatchObject({ is_visible: true, is_active: true, text: expect.stringMatching(text) });
    await sendTelegramEvent(page, 'main_button_pressed');
  }

  /** Calls the demo product `count` times with the key, and waits until usage counts them (the server records calls in batches). */
  async function callDemo(apiKey: string, count: number) {
    for (let call = 0; call < count; call += 1) {
      const response = await fetch(`${server.url}/api/v1/proxy/demo/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ call }),
      });
      expect(response.status).toBe(200);
    }
    const today = new Date().toISOString().slice(0, 10);
    await expect
      .poll(async () => {
        const usage = await fetch(`${server.url}/api/v1/usage?from=${today}&to=${today}`, { headers: { authorization: `Bearer ${apiKey}` } });
        const { rows } = (await usage.json()) as { rows: { requests: number }[] };
        return rows.reduce((sum, row) => sum + row.requests, 0);
      })
      .toBeGreaterThanOrEqual(count);
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

  it('opens with register and usage only: the balance comes with register, and no BackButton on the root tabs', async () => {
    const user = { id: 0, first_name: 'Ada', language_code: 'en' };
    const { account } = await server.register({ first_name: user.first_name });
    user.id = account.telegram_id;
    await server.credit(account.id, 3_000_000);
    const context = await browser.browser.newContext({ viewport: { width: 390, height: 844 } });
    openContexts.push(context);
    const page = await context.newPage();
    const apiCalls: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.startsWith('/api/')) apiCalls.push(`${request.method()} ${url.pathname}`);
    });
    await page.addInitScript(() => {
      const target = window as unknown as { __events: unknown[]; TelegramWebviewProxy: unknown };
      target.__events = [];
      target.TelegramWebviewProxy = { postEvent: (type: string, data: string | undefined) => target.__events.push([type, data]) };
    });
    await page.goto(`${webapp.origin}/webapp/${launchHash(signInitData(server.botToken, user), lightTheme)}`);

    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('$3.00');
    await page.getByTestId('no-usage').waitFor();
    expect(apiCalls).toEqual(['POST /api/v1/auth/register', 'GET /api/v1/usage']);

    for (const tab of ['Keys', 'Top up', 'History', 'Products', 'Home']) {
      await openTab(page, tab);
      await page.getByRole('heading', { level: 1 }).waitFor();
      expect(await backButtonVisible(page), tab).toBe(false);
    }
    expect((await telegramEvents(page)).filter(([type, data]) => type === 'web_app_setup_back_button' && data?.includes('true'))).toEqual([]);
  });

  it('shows skeletons of what loads, never a spinner', async () => {
    const { page } = await openAsNewUser({ creditMicros: 1_000_000 });
    await page.getByTestId('balance').waitFor();
    // Usage held from here on, and the app opened again: its first usage load is the one held
    // (deterministic, whatever the machine's speed; a refresh keeps the old chart instead).
    let releaseUsage: () => void = () => {};
    const usageHeld = new Promise<void>((resolve) => (releaseUsage = resolve));
    await page.route('**/api/v1/usage?**', async (route) => {
      await usageHeld;
      await route.continue();
    });
    await page.reload();

    const skeleton = page.getByRole('status').filter({ hasText: 'Loading usage…' });
    await skeleton.waitFor();
    expect(await skeleton.getAttribute('aria-busy')).toBe('true');
    expect(await page.locator('.spinner').count()).toBe(0);
    await page.screenshot({ path: path.join(screenshotDir, 'dashboard-loading-en-light.png') });
    releaseUsage();
    await page.getByTestId('no-usage').waitFor();
    expect(await skeleton.count()).toBe(0);
  });

  it('charts usage per day, says a day’s cost when it is tapped, and offers products when there is none', async () => {
    const { page, apiKey } = await openAsNewUser({ creditMicros: 1_000_000 });
    const empty = page.getByTestId('no-usage');
    await empty.waitFor();
    await empty.getByRole('button', { name: 'See products' }).click();
    await page.getByRole('heading', { level: 1, name: 'Products' }).waitFor();

    await callDemo(apiKey, 3);
    await openTab(page, 'Home');
    const chart = page.getByTestId('usage-chart');
    await chart.waitFor();
    expect(await chart.getAttribute('aria-label')).toBe('Usage over 7 days: $0.0003 for 3 requests.');
    expect(await chart.getByRole('button').count()).toBe(7);
    await chart.getByRole('button').last().click();
    await expect
      .poll(() => page.getByTestId('chart-readout').textContent())
      .toMatch(/^\d{1,2} \w{3}: \$0\.0003 · 3 requests$|^\w{3} \d{1,2}: \$0\.0003 · 3 requests$/);

    await page.getByRole('button', { name: '30 days' }).click();
    await expect.poll(() => chart.getByRole('button').count()).toBe(30);
  });

  it('warns when the balance is low', async () => {
    const { page } = await openAsNewUser({ creditMicros: 250_000 });

    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('$0.25');
    expect(await page.getByTestId('low-balance').textContent()).toContain('below $1.00');
  });

  it('creates a key whose secret is shown once and works against the API, then revokes it', async () => {
    const { page, account } = await openAsNewUser();
    await openTab(page, 'Keys');

    await expect.poll(() => mainButton(page)).toMatchObject({ is_visible: true, is_active: false, text: 'Create key' });
    await page.getByLabel('Name', { exact: true }).fill('laptop');
    await tapMainButton(page, 'Create key');
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
    await expect.poll(() => backButtonVisible(page)).toBe(true);
    await sendTelegramEvent(page, 'back_button_pressed');
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await expect.poll(() => backButtonVisible(page)).toBe(false);
    await keyList.getByRole('button', { name: /laptop/ }).click();
    await page.getByRole('heading', { level: 1, name: 'laptop' }).waitFor();

    await page.getByRole('button', { name: 'Revoke key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke “laptop”?' });
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('heading', { level: 1, name: 'API keys' }).waitFor();
    await expect.poll(() => keyList.getByRole('button', { name: /laptop/ }).count()).toBe(0);
    expect(await keyList.getByRole('button', { name: /default/ }).count()).toBe(1);

    const refused = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${secret}` } });
    expect(refused.status).toBe(401);
  });

  it('renames a key, limits its spending and sets its expiry with one MainButton, never active on an empty or invalid field, then rotates its secret', async () => {
    const { page, account, apiKey: oldSecret } = await openAsNewUser();
    await openTab(page, 'Keys');
    await keyRow(page, /default/).click();
    await page.getByRole('heading', { level: 2, name: 'Settings' }).waitFor();

    // Nothing changed yet, then an empty name, then an amount that is not one: the MainButton stays inactive.
    await expect.poll(() => mainButton(page)).toMatchObject({ is_visible: true, is_active: false, text: 'Save changes' });
    await page.getByRole('textbox', { name: 'Name' }).fill('');
    await expect.poll(() => mainButton(page)).toMatchObject({ is_active: false });
    await page.getByRole('textbox', { name: 'Name' }).fill('ci runner');
    await expect.poll(() => mainButton(page)).toMatchObject({ is_active: true });
    await page.getByLabel('Spend limit (USD)').fill('two fifty');
    await expect.poll(() => mainButton(page)).toMatchObject({ is_active: false });
    await sendTelegramEvent(page, 'main_button_pressed');
    await page.getByLabel('Spend limit (USD)').fill('2.50');
    await page.getByLabel('Per').selectOption('weekly');
    await page.getByLabel('Expires at the end of (UTC)').fill('2099-12-31');
    await tapMainButton(page, 'Save changes');
    await page.getByText('Changes saved.').waitFor();
    await page.getByRole('heading', { level: 1, name: 'ci runner' }).waitFor();
    await expect.poll(() => mainButton(page)).toMatchObject({ is_active: false });
    expect((await telegramEvents(page)).filter(([type]) => type === 'web_app_trigger_haptic_feedback').at(-1)?.[1]).toBe(
      JSON.stringify({ type: 'notification', notification_type: 'success' }),
    );

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
    await expect
      .poll(async () => (await telegramEvents(page)).filter(([type]) => type === 'web_app_trigger_haptic_feedback').map(([, data]) => data))
      .toContain(JSON.stringify({ type: 'impact', impact_style: 'medium' }));
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

    // The Star count rounds up; the balance gets exactly the $5.00 chosen.
    expect(topup.amount_micros).toBe(5_000_000);
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

    await expiredPage.page.getByRole('button', { name: 'Close' }).click();
    expect((await telegramEvents(expiredPage.page)).map(([type]) => type)).toContain('web_app_close');
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

  it('saves a screenshot of every screen at 390×844 in English and Russian, light and dark', async () => {
    const words = {
      en: { keys: 'Keys', topup: 'Top up', history: 'History', products: 'Products', settings: 'Settings', prices: 'Prices' },
      ru: { keys: 'Ключи', topup: 'Пополнить', history: 'История', products: 'Продукты', settings: 'Настройки', prices: 'Цены' },
    } as const;
    const products = (await (await fetch(`${server.url}/api/v1/products`)).json()) as {
      data: { name: string; description: string; endpoints: { description: string; example: Record<string, string> }[] }[];
      quickstart?: Record<string, string>;
    };
    const apiWords = [
      ...products.data.flatMap((product) => [
        product.name,
        product.description,
        ...product.endpoints.flatMap((endpoint) => [endpoint.description, ...Object.values(endpoint.example)]),
      ]),
      ...Object.values(products.quickstart ?? {}),
      // The key screen shows each permission's name as the API spells it, beside its words.
      ...['products:call', 'billing:read', 'billing:write', 'keys:manage'],
    ].sort((a, b) => b.length - a.length);
    for (const language of ['en', 'ru'] as const) {
      for (const [themeName, theme] of [
        ['light', lightTheme],
        ['dark', darkTheme],
      ] as const) {
        const { page, account } = await openAsNewUser({ theme, creditMicros: 7_500_000, language, demoCalls: 4 });
        // Each screen in Russian shows no English word of the catalogs (the strings test reads the sources).
        const shoot = async (screen: string) => {
          await page.screenshot({ path: path.join(screenshotDir, `${screen}-${language}-${themeName}.png`) });
          // In English the same check finds the screen's words: it reads what it should.
          if (language === 'ru') expect(await englishOn(page, apiWords), screen).toEqual([]);
          else expect(await englishOn(page, apiWords), screen).not.toEqual([]);
        };
        await page.getByTestId('balance').waitFor();
        await page.getByTestId('usage-chart').getByRole('button').last().click();
        await shoot('dashboard');

        await openTab(page, words[language].keys);
        await page.getByTestId('key-list').waitFor();
        await shoot('keys');
        await keyRow(page, /default/).click();
        await page.getByRole('heading', { level: 2, name: words[language].settings }).waitFor();
        await shoot('key-detail');

        await openTab(page, words[language].topup);
        await page.getByRole('radio').first().waitFor();
        await shoot('topup');

        await openTab(page, words[language].history);
        await page.getByTestId('history-list').waitFor();
        await shoot('history');
        await page.getByTestId('charges-group').first().getByRole('button').first().click();
        await page.getByTestId('group-calls').locator('li').first().waitFor();
        await shoot('history-calls');

        await openTab(page, words[language].products);
        await page.getByTestId('product-list').waitFor();
        await shoot('products');
        await page.getByTestId('product-list').getByRole('button').first().click();
        await page.getByRole('heading', { level: 2, name: words[language].prices }).waitFor();
        await shoot('product-detail');

        const expired = signInitData(server.botToken, { id: account.telegram_id, language_code: language }, { authDate: 1_000_000_000 });
        await page.goto(`${webapp.origin}/webapp/${launchHash(expired, theme)}`);
        await page.reload();
        await page.getByTestId('auth-error').waitFor();
        await shoot('auth-error');

        const deadApi = await staticWebapp('http://127.0.0.1:9');
        try {
          await page.goto(`${deadApi.origin}/webapp/${launchHash(signInitData(server.botToken, { id: 42, language_code: language }), theme)}`);
          await page.getByTestId('start-error').waitFor();
          await shoot('start-error');
        } finally {
          await deadApi.close();
        }

        const outside = await openTelegramPage(browser.browser, `${webapp.origin}/webapp/`, { locale: language, colorScheme: themeName });
        openContexts.push(outside.context);
        await outside.page.getByTestId('outside-telegram').waitFor();
        await outside.page.screenshot({ path: path.join(screenshotDir, `outside-telegram-${language}-${themeName}.png`) });
        if (language === 'ru') expect(await englishOn(outside.page, apiWords), 'outside-telegram').toEqual([]);
      }
    }
  }, 180_000);

  it('speaks Russian to a Telegram user whose language is Russian, and switches to English and back on the Home screen', async () => {
    const { page } = await openAsNewUser({ creditMicros: 2_000_000, language: 'ru' });
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Привет, Ada');
    expect((await page.getByRole('navigation', { name: 'Разделы' }).getByRole('button').allTextContents()).map((label) => label.trim())).toEqual([
      'Главная',
      'Ключи',
      'Пополнить',
      'История',
      'Продукты',
    ]);
    expect(await mainButton(page)).toMatchObject({ is_visible: true, text: 'Пополнить' });
    expect(await page.evaluate(() => document.documentElement.lang)).toBe('ru');
    // Amounts in the reader's language too (the SDK's one format), rewritten on a switch.
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('2,00\u00a0$');

    await page.getByTestId('language-switch').getByRole('button', { name: 'English' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hi, Ada');
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('$2.00');
    await expect.poll(() => mainButton(page)).toMatchObject({ text: 'Top up' });

    // The choice is kept on this device: a reload stays in English although Telegram says ru.
    await page.reload();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Hi, Ada');
    await page.getByTestId('language-switch').getByRole('button', { name: 'Русский' }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Привет, Ada');
  });

  it('serves a hashed asset brotli-compressed with a one-year cache, and index.html uncached (through the server)', async () => {
    const page = await (await fetch(`${webapp.origin}/webapp/`)).text();
    const script = /src="\/webapp\/(assets\/index-[\w-]+\.js)"/.exec(page)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${webapp.origin}/webapp/${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await asset.text()).toContain('web_app_ready');

    const index = await fetch(`${webapp.origin}/webapp/`, { headers: { 'accept-encoding': 'br' } });
    expect(index.headers.get('cache-control')).toBe('no-cache');
  });
});
