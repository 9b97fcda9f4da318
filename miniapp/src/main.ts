import { mount } from 'svelte';
import App from './App.svelte';
import { AppState, appContext } from './lib/state/app.svelte.js';
import { TelegramEnvironment } from './lib/telegram/telegram.svelte.js';
import './app.css';

// The development mock stands in for Telegram under `vite` (mode "development") only.
// `vite build` runs in mode "production" whatever NODE_ENV says, so the check is
// replaced by `false` and the mock is not bundled (`import.meta.env.DEV` alone would
// be true when NODE_ENV is "test", as under vitest).
if (import.meta.env.MODE === 'development') {
  const { installMockTelegram } = await import('./dev/mock-telegram.js');
  installMockTelegram();
}

const telegram = new TelegramEnvironment();
telegram.start();
const app = new AppState(telegram, undefined, localStorageIfAllowed());
// Registration and the user's catalog load side by side; the screens need the words first.
const started = app.start();
await app.i18n.load();
mount(App, { target: document.getElementById('app')!, context: appContext(app) });
await started;

function localStorageIfAllowed(): Storage | undefined {
  try {
    return window.localStorage;
  } catch {
    return undefined;
  }
}
