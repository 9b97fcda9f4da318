/**
 * The calls one SQLite store object reserved and has not closed yet, per account, in
 * the order of their ledger sequence numbers (process memory, lost with the process).
 *
 * It is what lets a batch of settlements close its calls without writing their rows:
 * every call of this store object below the lowest one still open here is closed, so
 * the batch writes that bound once per account (`call_watermarks`, migration 8) instead
 * of one `UPDATE ledger` per call. A call this store object lost track of (a crash, a
 * restart) was reserved under another instance number, which no watermark of this one
 * covers: the reconciler finds it as before.
 */

interface ReservedCall {
  accountId: string;
  seq: number;
  reservedMs: number;
}

interface AccountCalls {
  /** Sequence numbers in reservation order (ascending); the ones before `head` are closed. */
  seqs: number[];
  head: number;
  open: Map<number, string>;
  highest: number;
}

export class ReservedCalls {
  private readonly byRef = new Map<string, ReservedCall>();
  private readonly byAccount = new Map<string, AccountCalls>();

  get size(): number {
    return this.byRef.size;
  }

  /** After the reserve committed. Sequence numbers of one account only grow. */
  add(ref: string, accountId: string, seq: number, reservedMs: number): void {
    this.byRef.set(ref, { accountId, seq, reservedMs });
    let calls = this.byAccount.get(accountId);
    if (!calls) {
      calls = { seqs: [], head: 0, open: new Map(), highest: 0 };
      this.byAccount.set(accountId, calls);
    }
    calls.seqs.push(seq);
    calls.open.set(seq, ref);
    calls.highest = Math.max(calls.highest, seq);
  }

  get(ref: string): ReservedCall | undefined {
    return this.byRef.get(ref);
  }

  /** After the change that closed it committed. */
  remove(ref: string): void {
    const call = this.byRef.get(ref);
    if (!call) return;
    this.byRef.delete(ref);
    const calls = this.byAccount.get(call.accountId);
    if (!calls) return;
    calls.open.delete(call.seq);
    if (calls.open.size === 0) {
      this.byAccount.delete(call.accountId);
      return;
    }
    this.skipClosed(calls);
  }

  /**
   * The bound below which every call of this store object on the account is closed once
   * `closing` are: the lowest call still open otherwise, or one past the highest reserved.
   * Null when this store object never reserved on the account.
   */
  watermark(accountId: string, closing: ReadonlySet<number>): number | null {
    const calls = this.byAccount.get(accountId);
    if (!calls) return null;
    for (let i = calls.head; i < calls.seqs.length; i++) {
      const seq = calls.seqs[i]!;
      if (calls.open.has(seq) && !closing.has(seq)) return seq;
    }
    return calls.highest + 1;
  }

  /** The oldest call still open on the account (to check whether someone else closed it). */
  oldest(accountId: string): { ref: string; seq: number; reservedMs: number } | null {
    const calls = this.byAccount.get(accountId);
    if (!calls) return null;
    const seq = calls.seqs[calls.head]!;
    const ref = calls.open.get(seq)!;
    return { ref, seq, reservedMs: this.byRef.get(ref)!.reservedMs };
  }

  private skipClosed(calls: AccountCalls): void {
    while (calls.head < calls.seqs.length && !calls.open.has(calls.seqs[calls.head]!)) calls.head++;
    // Drop the closed prefix now and then, so the array holds about what is open.
    if (calls.head > 1024 && calls.head * 2 > calls.seqs.length) {
      calls.seqs = calls.seqs.slice(calls.head);
      calls.head = 0;
    }
  }
}
