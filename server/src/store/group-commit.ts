/**
 * Group commit for the embedded store: the calls submitted during one turn of the event
 * loop run together when the turn ends (`setImmediate`), in one transaction that the
 * caller's `runBatch` opens. A SQLite commit writes every page the change touched to the
 * WAL (about 28 kB for a metered call's reservation) whatever the number of changes in
 * it, so under load one commit per batch instead of one per call is most of what the
 * store costs. A lone call waits one loop turn at most.
 *
 * `runBatch` answers each input on its own (a failure of one input is that input's, the
 * others still commit), or throws when the transaction as a whole failed: then nothing
 * was written and every caller in the batch hears the error.
 */
export type BatchOutcome<Output> = { ok: true; value: Output } | { ok: false; error: unknown };

interface Waiting<Input, Output> {
  input: Input;
  resolve: (output: Output) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<Input, Output> {
  private waiting: Waiting<Input, Output>[] = [];

  constructor(private readonly runBatch: (inputs: Input[]) => BatchOutcome<Output>[]) {}

  submit(input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      if (this.waiting.push({ input, resolve, reject }) === 1) setImmediate(this.flush);
    });
  }

  /** Runs what is waiting now, without waiting for the turn to end (before the store closes). */
  readonly flush = (): void => {
    const batch = this.waiting;
    if (batch.length === 0) return;
    this.waiting = [];
    let outcomes: BatchOutcome<Output>[];
    try {
      outcomes = this.runBatch(batch.map((waiting) => waiting.input));
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    batch.forEach((waiting, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    });
  };
}
