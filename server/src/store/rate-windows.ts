/**
 * Fixed-window rate-limit counters in process memory: the SQLite adapter's rate limits.
 *
 * The embedded SQLite store serves one process (scale-out is Redis), so a window's count
 * does not need to outlive the process or be seen by another one, and keeping it out of
 * the database spares every authenticated request a write transaction (the WAL commit
 * was the largest cost of the hot path). Store objects of one process that open the
 * same database file share one set of counters, so they still count together.
 *
 * The rules are those of the Redis scripts (`rate_check`/`rate_commit`): a window starts
 * at a multiple of its length since the epoch (`windowStart`), a request is over the
 * limit when `used + 1 > limit`, and only a committed request counts. A counter lives
 * for its window's length of real time, like the Redis counter's PEXPIRE.
 */
import type { RateLimitRule, RateLimitState } from './types.js';
import { windowStart } from './logic.js';

interface Counter {
  start: number;
  used: number;
  expiresAtMs: number;
}

export interface RateCheck {
  /** The states before this request counts. */
  states: RateLimitState[];
  /** The first rule this request would exceed, or null. */
  limited: RateLimitState | null;
  /** Counts this request in every window; returns the states after. */
  commit: () => RateLimitState[];
}

const SWEEP_EVERY = 10_000;

export class RateWindows {
  private readonly counters = new Map<string, Counter>();
  private operations = 0;

  check(accountId: string, rules: RateLimitRule[], nowMs: number): RateCheck {
    const realNow = Date.now();
    if (++this.operations % SWEEP_EVERY === 0) this.sweep(realNow);
    const windows = rules.map((rule) => {
      const id = `${accountId}\u0000${rule.bucket}`;
      const start = windowStart(nowMs, rule.window_ms);
      const stored = this.counters.get(id);
      const used = stored && stored.expiresAtMs > realNow && stored.start === start ? stored.used : 0;
      return { id, rule, start, used };
    });
    const state = (rule: RateLimitRule, start: number, used: number): RateLimitState => ({
      bucket: rule.bucket,
      limit: rule.limit,
      remaining: Math.max(0, rule.limit - used),
      reset_ms: start + rule.window_ms - nowMs,
    });
    const states = windows.map((w) => state(w.rule, w.start, w.used));
    const limitedIndex = windows.findIndex((w) => w.used + 1 > w.rule.limit);
    return {
      states,
      limited: limitedIndex === -1 ? null : states[limitedIndex]!,
      commit: () =>
        windows.map((w) => {
          this.counters.set(w.id, { start: w.start, used: w.used + 1, expiresAtMs: realNow + w.rule.window_ms });
          return state(w.rule, w.start, w.used + 1);
        }),
    };
  }

  /** Drops counters whose time is up, so memory follows the number of active callers. */
  private sweep(realNow: number): void {
    for (const [id, counter] of this.counters) if (counter.expiresAtMs <= realNow) this.counters.delete(id);
  }
}

/** One set of counters per database file in this process (`:memory:` databases are each their own). */
const byDatabase = new Map<string, RateWindows>();

export function rateWindowsFor(filename: string): RateWindows {
  if (filename === ':memory:' || filename === '') return new RateWindows();
  let windows = byDatabase.get(filename);
  if (!windows) {
    windows = new RateWindows();
    byDatabase.set(filename, windows);
  }
  return windows;
}
