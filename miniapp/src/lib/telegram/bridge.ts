/**
 * The Mini Apps protocol (https://core.telegram.org/api/web-events), spoken the way
 * telegram-web-app.js speaks it:
 * - out: `window.TelegramWebviewProxy.postEvent(type, JSON)` in the mobile and desktop
 *   apps, else `window.parent.postMessage(JSON.stringify({ eventType, eventData }), '*')`
 *   when the app runs in an iframe (Telegram Web);
 * - in: Telegram calls `window.Telegram.WebView.receiveEvent(type, data)`, or posts
 *   `{ eventType, eventData }` messages from the parent frame.
 *
 * We do not load telegram-web-app.js (it cannot be fetched offline and costs ~30 kB).
 * If a page includes it anyway, `window.Telegram.WebView` already exists: the bridge
 * then subscribes and posts through it, so the two never fight over `receiveEvent`.
 */

export interface IncomingEvents {
  theme_changed: { theme_params: Record<string, string> };
  viewport_changed: { height: number; is_state_stable?: boolean; is_expanded?: boolean };
  back_button_pressed: undefined;
  main_button_pressed: undefined;
  invoice_closed: { slug: string; status: 'paid' | 'cancelled' | 'failed' | 'pending' };
}

export interface OutgoingEvents {
  web_app_ready: undefined;
  web_app_expand: undefined;
  web_app_request_theme: undefined;
  web_app_request_viewport: undefined;
  web_app_setup_back_button: { is_visible: boolean };
  web_app_setup_main_button: {
    is_visible: boolean;
    is_active?: boolean;
    is_progress_visible?: boolean;
    text?: string;
    color?: string;
    text_color?: string;
  };
  web_app_open_invoice: { slug: string };
  web_app_open_link: { url: string };
  web_app_trigger_haptic_feedback:
    | { type: 'notification'; notification_type: 'error' | 'success' | 'warning' }
    | { type: 'impact'; impact_style: 'light' | 'medium' | 'heavy' | 'rigid' | 'soft' }
    | { type: 'selection_change' };
  web_app_close: undefined;
}

type Listener = (data: unknown) => void;

interface WebViewLike {
  receiveEvent?: (type: string, data: unknown) => void;
  onEvent?: (type: string, listener: Listener) => void;
  postEvent?: (type: string, callback: unknown, data: unknown) => void;
}

interface TelegramWindow {
  TelegramWebviewProxy?: { postEvent(type: string, data: string | undefined): void };
  Telegram?: { WebView?: WebViewLike; WebApp?: unknown };
}

export class TelegramBridge {
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #window: Window & TelegramWindow;
  readonly #realWebView: WebViewLike | undefined;

  constructor(target: Window = window) {
    this.#window = target;
    const existing = this.#window.Telegram?.WebView;
    if (existing?.onEvent && existing.postEvent) {
      this.#realWebView = existing;
      return;
    }
    const telegram = (this.#window.Telegram ??= {});
    telegram.WebView = { ...existing, receiveEvent: (type, data) => this.#dispatch(type, data) };
    this.#window.addEventListener('message', (event) => {
      if (event.source !== this.#window.parent || this.#window.parent === this.#window) return;
      try {
        const message = (typeof event.data === 'string' ? JSON.parse(event.data) : event.data) as {
          eventType?: unknown;
          eventData?: unknown;
        };
        if (typeof message?.eventType === 'string') this.#dispatch(message.eventType, message.eventData);
      } catch {
        // Not a Telegram message.
      }
    });
  }

  /** Subscribes to an event from Telegram; returns the unsubscribe function. */
  on<T extends keyof IncomingEvents>(type: T, listener: (data: IncomingEvents[T]) => void): () => void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    if (this.#realWebView && set.size === 0) {
      this.#realWebView.onEvent?.(type, (data) => this.#dispatch(type, data));
    }
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  }

  post<T extends keyof OutgoingEvents>(type: T, ...data: OutgoingEvents[T] extends undefined ? [] : [OutgoingEvents[T]]): void {
    const eventData = data[0];
    if (this.#realWebView) {
      this.#realWebView.postEvent?.(type, false, eventData);
      return;
    }
    const proxy = this.#window.TelegramWebviewProxy;
    if (proxy) {
      proxy.postEvent(type, eventData === undefined ? undefined : JSON.stringify(eventData));
    } else if (this.#window.parent !== this.#window) {
      this.#window.parent.postMessage(JSON.stringify({ eventType: type, eventData }), '*');
    }
  }

  #dispatch(type: string, data: unknown): void {
    for (const listener of this.#listeners.get(type) ?? []) {
      try {
        listener(data);
      } catch (error) {
        console.error(`Telegram event ${type} handler failed`, error);
      }
    }
  }
}

/** `https://t.me/$slug` or `https://t.me/invoice/slug` → slug; null for anything else. */
export function invoiceSlug(link: string): string | null {
  try {
    const url = new URL(link);
    if (url.hostname !== 't.me' && url.hostname !== 'telegram.me') return null;
    const path = decodeURIComponent(url.pathname);
    const match = /^\/\$([^/]+)$/.exec(path) ?? /^\/invoice\/([^/]+)$/.exec(path);
    return match?.[1] ?? null;
  } catch {
    return null;
  }
}
