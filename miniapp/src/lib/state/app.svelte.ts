import { getContext } from 'svelte';
import { createApi, type Api } from '../api/client.js';
import { describeFailure, type Failure } from '../api/errors.js';
import { Action } from '../action.svelte.js';
import { Resource } from '../resource.svelte.js';
import { Router } from '../router.svelte.js';
import { I18n } from '../i18n/i18n.svelte.js';
import { languageFromInitData } from '../i18n/translate.js';
import type { TelegramEnvironment } from '../telegram/telegram.svelte.js';
import type { Account, ApiKeyWithSecret, Balance } from '../api/types.js';

export type Phase = 'outside-telegram' | 'starting' | 'ready' | 'auth-failed' | 'start-failed';

/** The app's shared state: the Telegram environment, navigation, the API client and the account. */
export class AppState {
  readonly telegram: TelegramEnvironment;
  readonly router = new Router();
  readonly api: Api | null;
  phase = $state<Phase>('starting');
  failure = $state.raw<Failure | undefined>(undefined);
  account = $state.raw<Account | undefined>(undefined);
  /** The first key, when this open created the account: its secret is shown once, here, then dropped. */
  firstKey = $state.raw<ApiKeyWithSecret | undefined>(undefined);
  readonly balance: Resource<Balance>;
  readonly i18n: I18n;
  #balanceFromRegister = false;

  constructor(telegram: TelegramEnvironment, api?: Api, storage?: Storage) {
    this.telegram = telegram;
    this.i18n = new I18n(languageFromInitData(telegram.launch?.initData) ?? globalThis.navigator?.language, storage);
    this.api = api ?? (telegram.launch ? createApi(telegram.launch.initData) : null);
    if (!this.api) this.phase = 'outside-telegram';
    this.balance = this.resource(() => this.client.balance.get());
  }

  get client(): Api {
    if (!this.api) throw new Error('The API is only available inside Telegram.');
    return this.api;
  }

  /**
   * Registers on first open (idempotent); an invalid or expired initData ends here. The
   * account register returns carries the balance, so the dashboard shows it without
   * another round trip, and only its usage is still to load.
   */
  async start(): Promise<void> {
    if (!this.api) return;
    this.phase = 'starting';
    try {
      const registration = await this.api.auth.register();
      this.account = registration.account;
      this.balance.value = balanceOf(registration.account);
      this.#balanceFromRegister = true;
      if (registration.created && registration.api_key) this.firstKey = registration.api_key;
      this.phase = 'ready';
    } catch (error) {
      this.failure = describeFailure(error);
      this.phase = this.failure.kind === 'auth' ? 'auth-failed' : 'start-failed';
    }
  }

  /** Reloads the balance, unless register has just brought it (the dashboard's first showing). */
  refreshBalance(): void {
    if (this.#balanceFromRegister) {
      this.#balanceFromRegister = false;
      return;
    }
    void this.balance.reload();
  }

  /** A Resource whose authentication failures end the session (initData expired while the app was open). */
  resource<T>(load: () => Promise<T>): Resource<T> {
    return new Resource(load, (failure) => this.noticeFailure(failure));
  }

  /** An Action whose authentication failures end the session, as a resource's do. */
  action(): Action {
    return new Action((failure) => this.noticeFailure(failure));
  }

  noticeFailure(failure: Failure): void {
    if (failure.kind !== 'auth') return;
    this.failure = failure;
    this.phase = 'auth-failed';
  }
}

/** The balance as `GET /balance` states it, from the account register returns (the same rule as the server's). */
export function balanceOf(account: Account): Balance {
  const threshold = account.low_balance_threshold_micros;
  return {
    balance_micros: account.balance_micros,
    balance_usd: account.balance_usd,
    currency: 'USD',
    low_balance_threshold_micros: threshold,
    low_balance: threshold !== null && account.balance_micros < threshold,
    account_status: account.status,
  };
}

const contextKey = Symbol('kikuai-app');

/** The context `mount` gives the component tree, so every screen finds the app through `useApp()`. */
export function appContext(app: AppState): Map<symbol, AppState> {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- handed to mount() once and never changed
  return new Map([[contextKey, app]]);
}

export function useApp(): AppState {
  return getContext<AppState>(contextKey);
}
