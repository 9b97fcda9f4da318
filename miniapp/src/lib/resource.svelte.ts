import { describeFailure, type Failure } from './api/errors.js';

/** One piece of API data with its loading and error state; the value is `$state.raw` (replaced, never mutated). */
export class Resource<T> {
  value = $state.raw<T | undefined>(undefined);
  failure = $state.raw<Failure | undefined>(undefined);
  loading = $state(false);
  readonly #load: () => Promise<T>;
  readonly #onFailure: ((failure: Failure) => void) | undefined;
  #generation = 0;

  constructor(load: () => Promise<T>, onFailure?: (failure: Failure) => void) {
    this.#load = load;
    this.#onFailure = onFailure;
  }

  async reload(): Promise<void> {
    const generation = ++this.#generation;
    this.loading = true;
    try {
      const value = await this.#load();
      if (generation !== this.#generation) return;
      this.value = value;
      this.failure = undefined;
    } catch (error) {
      if (generation !== this.#generation) return;
      this.failure = describeFailure(error);
      this.#onFailure?.(this.failure);
    } finally {
      if (generation === this.#generation) this.loading = false;
    }
  }
}
