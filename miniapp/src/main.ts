import { mount } from 'svelte';
import App from './App.svelte';
import { AppState, appContext } from './lib/state/app.svelte.js';
import { TelegramEnvironment } from './lib/telegram/telegram.svelte.js';
import './app.css';

// The development mock stands in for Telegram under `vite` only; `import.meta.env.DEV`
// is false in a production build, so the mock is not bundled.
if (import.meta.env.DEV) {
  const { installMockTelegram } = await import('./dev/mock-telegram.js');
  installMockTelegram();
}

const telegram = new TelegramEnvironment();
telegram.start();
const app = new AppState(telegram);
mount(App, { target: document.getElementById('app')!, context: appContext(app) });
void app.start();
