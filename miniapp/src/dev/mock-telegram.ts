/**
 * Development only (imported under `import.meta.env.DEV`): plays Telegram around the
 * app in a plain browser tab. It answers the app's events the way a Telegram client
 * would and draws stand-ins for the BackButton and MainButton.
 *
 * initData must be signed with the server's bot token: put it in `VITE_DEV_INIT_DATA`
 * (`node scripts/sign-init-data.mjs` prints one from TELEGRAM_BOT_TOKEN). Open with
 * `?outside` to see the screen shown outside Telegram.
 */
import { darkTheme, lightTheme } from '../lib/telegram/themes.js';

interface MockWindow {
  TelegramWebviewProxy?: { postEvent(type: string, data: string | undefined): void };
  Telegram?: { WebView?: { receiveEvent?: (type: string, data: unknown) => void } };
}

export function installMockTelegram(): void {
  if (new URLSearchParams(location.search).has('outside')) return;
  const initData = import.meta.env.VITE_DEV_INIT_DATA as string | undefined;
  let dark = matchMedia('(prefers-color-scheme: dark)').matches;
  if (!location.hash.includes('tgWebAppData') && initData) {
    const params = new URLSearchParams({
      tgWebAppData: initData,
      tgWebAppVersion: '8.0',
      tgWebAppPlatform: 'weba',
      tgWebAppThemeParams: JSON.stringify(dark ? darkTheme : lightTheme),
    });
    history.replaceState(null, '', `${location.pathname}${location.search}#${params}`);
  }

  const target = window as Window & MockWindow;
  const send = (type: string, data?: unknown) => target.Telegram?.WebView?.receiveEvent?.(type, data);
  const chrome = document.createElement('div');
  chrome.style.cssText = 'position:fixed;top:4px;right:4px;z-index:99;display:flex;gap:4px;font:12px system-ui';
  const back = button('‹ Back', () => send('back_button_pressed'));
  const theme = button('◐ Theme', () => {
    dark = !dark;
    send('theme_changed', { theme_params: dark ? darkTheme : lightTheme });
  });
  const main = button('', () => send('main_button_pressed'));
  main.style.cssText = 'position:fixed;left:8px;right:8px;bottom:64px;z-index:99;padding:12px;border:0;border-radius:10px;font:600 15px system-ui';
  back.hidden = true;
  main.hidden = true;
  chrome.append(back, theme);
  document.body.append(chrome, main);

  target.TelegramWebviewProxy = {
    postEvent(type, json) {
      const data = json === undefined ? undefined : (JSON.parse(json) as Record<string, unknown>);
      console.debug('[telegram mock]', type, data);
      if (type === 'web_app_setup_back_button') back.hidden = !data?.is_visible;
      if (type === 'web_app_setup_main_button') {
        main.hidden = !data?.is_visible;
        const text = (name: string, fallback: string) => (typeof data?.[name] === 'string' ? data[name] : fallback);
        main.textContent = text('text', '');
        main.disabled = data?.is_active === false;
        main.style.background = text('color', '#3390ec');
        main.style.color = text('text_color', '#fff');
      }
      if (type === 'web_app_request_theme') send('theme_changed', { theme_params: dark ? darkTheme : lightTheme });
      if (type === 'web_app_open_link') window.open(String(data?.url), '_blank');
      if (type === 'web_app_open_invoice') {
        const paid = confirm(`Telegram would show the Stars invoice "${String(data?.slug)}" now. Pay it?`);
        setTimeout(() => send('invoice_closed', { slug: data?.slug, status: paid ? 'paid' : 'cancelled' }), 300);
      }
    },
  };
}

function button(text: string, onclick: () => void): HTMLButtonElement {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  element.onclick = onclick;
  return element;
}
