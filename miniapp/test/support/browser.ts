import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or null when they can. Under CI a missing browser is a failure, not a skip. */
export function browserUnavailable(): string | null {
  if (existsSync(chromiumPath)) return null;
  const message = `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium) to run the Mini App browser tests.`;
  if (process.env.CI) throw new Error(message);
  console.warn(`Skipping the Mini App browser tests: ${message}`);
  return message;
}

export interface LaunchedBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Debian's Chromium; `chromium.launch` gives it a fresh temporary profile (user data dir) and deletes it on close. */
export async function launchChromium(): Promise<LaunchedBrowser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

export type TelegramEvent = [type: string, data: string | undefined];

/**
 * A phone-sized page inside a pretend Telegram client: what the app asks of Telegram
 * (`TelegramWebviewProxy.postEvent`) is recorded in `window.__events`.
 */
export async function openTelegramPage(
  browser: Browser,
  url: string,
  options: { locale?: string; colorScheme?: 'light' | 'dark' } = {},
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1, ...options });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  await page.addInitScript(() => {
    const target = window as unknown as { __events: unknown[]; TelegramWebviewProxy: unknown };
    target.__events = [];
    target.TelegramWebviewProxy = {
      postEvent(type: string, data: string | undefined) {
        target.__events.push([type, data]);
      },
    };
  });
  await page.goto(url);
  return { context, page };
}

export async function telegramEvents(page: Page): Promise<TelegramEvent[]> {
  return page.evaluate(() => (window as unknown as { __events: TelegramEvent[] }).__events);
}

/** Plays Telegram sending an event to the app (e.g. the MainButton was tapped). */
export async function sendTelegramEvent(page: Page, type: string, data?: unknown): Promise<void> {
  await page.evaluate(
    ([eventType, eventData]) =>
      (window as unknown as { Telegram: { WebView: { receiveEvent(t: unknown, d: unknown): void } } }).Telegram.WebView.receiveEvent(eventType, eventData),
    [type, data] as const,
  );
}
