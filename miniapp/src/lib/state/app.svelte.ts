import { getContext } from 'svelte';
import { createApi, type Api } from '../api/client.js';
import { describeFailure, type Failure } from '../api/errors.js';
import { Action } from '../action.svelte.js';
import { Resource } from '../resource.svelte.js';
import { Router } from '../router.svelte.js';
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

  constructor(telegram: TelegramEnvironment, api?: Api) {
    this.telegram = telegram;
    this.api = api ?? (telegram.launch ? createApi(telegram.launch.initData) : null);
    if (!this.api) this.phase = 'outside-telegram';
    this.balance = this.resource(() => this.client.balance.get());
  }

  get client(): Api {
    if (!this.api) throw new Error('The API is only available inside Telegram.');
    return this.api;
  }

  /** Registers on first open (idempotent) and loads the balance; an invalid or expired initData ends here. */
  async start(): Promise<void> {
    if (!this.api) return;
    this.phase = 'starting';
    try {
      const registration = await this.api.auth.register();
      this.account = registration.account;
      if (registration.created && registration.api_key) this.firstKey = registration.api_key;
      this.phase = 'ready';
      await this.balance.reload();
    } catch (error) {
      this.failure = describeFailure(error);
      this.phase = this.failure.kind === 'auth' ? 'auth-failed' : 'start-failed';
    }
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

const contextKey = Symbol('kikuai-app');

/** The context `mount` gives the component tree, so every screen finds the app through `useApp()`. */
export function appContext(app: AppState): Map<symbol, AppState> {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- handed to mount() once and never changed
  return new Map([[contextKey, app]]);
}

export function useApp(): AppState {
  return getContext<AppState>(contextKey);
}
