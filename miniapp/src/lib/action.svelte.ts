import { describeFailure, type Failure } from './api/errors.js';

/** Something the user does against the API: `busy` while it runs, and its `failure` when it failed. */
export class Action {
  busy = $state(false);
  failure = $state.raw<Failure | undefined>(undefined);
  readonly #onFailure: ((failure: Failure) => void) | undefined;

  constructor(onFailure?: (failure: Failure) => void) {
    this.#onFailure = onFailure;
  }

  /** Runs `work` after clearing the last failure; a failure is kept (and handed to `onFailure`), never thrown. */
  async run(work: () => Promise<void>): Promise<void> {
    this.busy = true;
    this.failure = undefined;
    try {
      await work();
    } catch (error) {
      this.failure = describeFailure(error);
      this.#onFailure?.(this.failure);
    } finally {
      this.busy = false;
    }
  }
}
