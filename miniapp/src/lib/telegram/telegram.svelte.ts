import { TelegramBridge, invoiceSlug, type IncomingEvents } from './bridge.js';
import { readLaunchParams, type LaunchParams, type ThemeParams } from './launch-params.js';
import { applyThemeVariables, colorSchemeOf } from './theme.js';

export type InvoiceStatus = IncomingEvents['invoice_closed']['status'];

export interface MainButtonOptions {
  text: string;
  active: boolean;
  progress: boolean;
}

/** The Telegram environment as the app sees it: launch parameters, live theme and viewport, and the native buttons. */
export class TelegramEnvironment {
  readonly launch: LaunchParams | null;
  readonly bridge: TelegramBridge;
  themeParams = $state.raw<ThemeParams>({});
  colorScheme = $derived(colorSchemeOf(this.themeParams));
  viewportHeight = $state<number | null>(null);

  constructor(target: Window = window) {
    this.bridge = new TelegramBridge(target);
    this.launch = readLaunchParams(target.location, safeSessionStorage(target));
    this.themeParams = this.launch?.themeParams ?? {};
  }

  get insideTelegram(): boolean {
    return this.launch !== null;
  }

  /** Binds the theme variables, follows theme and viewport changes, and tells Telegram the app is ready. */
  start(root: HTMLElement = document.documentElement): void {
    applyThemeVariables(root, this.themeParams);
    this.bridge.on('theme_changed', ({ theme_params }) => {
      this.themeParams = { ...theme_params };
      applyThemeVariables(root, this.themeParams);
    });
    this.bridge.on('viewport_changed', ({ height, is_state_stable }) => {
      this.viewportHeight = height;
      root.style.setProperty('--tg-viewport-height', `${height}px`);
      if (is_state_stable) root.style.setProperty('--tg-viewport-stable-height', `${height}px`);
    });
    if (!this.insideTelegram) return;
    this.bridge.post('web_app_ready');
    this.bridge.post('web_app_expand');
    this.bridge.post('web_app_request_theme');
  }

  /** Shows the BackButton while the returned cleanup has not run. */
  showBackButton(onBack: () => void): () => void {
    this.bridge.post('web_app_setup_back_button', { is_visible: true });
    const unsubscribe = this.bridge.on('back_button_pressed', onBack);
    return () => {
      unsubscribe();
      this.bridge.post('web_app_setup_back_button', { is_visible: false });
    };
  }

  /** Shows or updates the MainButton; `hideMainButton` removes it. */
  setMainButton(options: MainButtonOptions): void {
    this.bridge.post('web_app_setup_main_button', {
      is_visible: true,
      is_active: options.active,
      is_progress_visible: options.progress,
      text: options.text,
      color: this.themeParams.button_color ?? '#2481cc',
      text_color: this.themeParams.button_text_color ?? '#ffffff',
    });
  }

  hideMainButton(): void {
    this.bridge.post('web_app_setup_main_button', { is_visible: false });
  }

  onMainButton(listener: () => void): () => void {
    return this.bridge.on('main_button_pressed', listener);
  }

  /** Opens a Stars invoice (`https://t.me/$slug`) and resolves with the status Telegram reports when it closes. */
  openInvoice(link: string): Promise<InvoiceStatus> {
    const slug = invoiceSlug(link);
    if (!slug) return Promise.reject(new Error('The invoice link is not a Telegram invoice link.'));
    return new Promise((resolve) => {
      const unsubscribe = this.bridge.on('invoice_closed', (event) => {
        if (event.slug !== slug) return;
        unsubscribe();
        resolve(event.status);
      });
      this.bridge.post('web_app_open_invoice', { slug });
    });
  }

  /** Opens an external page in the browser; Telegram allows it only in answer to a tap. */
  openLink(url: string): void {
    this.bridge.post('web_app_open_link', { url });
  }

  /** Haptic feedback for an outcome: a payment went through, failed, or needs a second look. */
  notify(type: 'error' | 'success' | 'warning'): void {
    this.bridge.post('web_app_trigger_haptic_feedback', { type: 'notification', notification_type: type });
  }

  /** Haptic feedback for a tap that moves money (the Pay button), felt before the answer comes. */
  impact(style: 'light' | 'medium' | 'heavy' = 'medium'): void {
    this.bridge.post('web_app_trigger_haptic_feedback', { type: 'impact', impact_style: style });
  }

  /** Haptic feedback for a changed choice (an amount, a period). */
  selectionChanged(): void {
    this.bridge.post('web_app_trigger_haptic_feedback', { type: 'selection_change' });
  }

  /** Closes the Mini App (the error screens' Close button). */
  close(): void {
    this.bridge.post('web_app_close');
  }
}

function safeSessionStorage(target: Window): Storage | undefined {
  try {
    return target.sessionStorage;
  } catch {
    return undefined;
  }
}
