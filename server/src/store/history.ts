/**
 * The history views of the ledger (`listDailyHistory`, `filterLedger`), one rule for both
 * adapters: each adapter only reads a window of entries, newest first, by sequence; the
 * grouping and filtering happen here. A page reads at most HISTORY_SCAN_ENTRIES entries,
 * in windows of 100, 400, then HISTORY_WINDOW_ENTRIES, whatever the ledger's size.
 */
import { assertPageLimit, decodeLedgerCursor, encodeLedgerCursor } from './logic.js';
import type { ChargesGroup, DailyHistoryItem, LedgerEntry, LedgerFilter, Page } from './types.js';

export const HISTORY_SCAN_ENTRIES = 2_000;
export const HISTORY_WINDOW_ENTRIES = 500;
const HISTORY_FIRST_WINDOW_ENTRIES = 100;
/** Ledger order is commit order; `created_at` is the writer's clock, which may lag a little behind a later commit. */
const DAY_FILTER_SLACK_MS = 10 * 60_000;

export interface SequencedEntry {
  seq: number;
  entry: LedgerEntry;
}

/** Reads up to `count` entries with a sequence below `beforeSeq`, newest first. */
export type LedgerWindowReader = (beforeSeq: number, count: number) => Promise<SequencedEntry[]>;

/** The product of a proxied call's charge (`call:` ref) or refund (`refund:` ref): its reason is `<product>/<endpoint>…`. */
export function callProduct(entry: LedgerEntry): string | null {
  const ref = entry.external_ref;
  if (!ref || !(ref.startsWith('call:') || ref.startsWith('refund:'))) return null;
  const slash = entry.reason.indexOf('/');
  return slash > 0 ? entry.reason.slice(0, slash) : null;
}

/** The group a per-call charge belongs to, or null for an entry that stands on its own row. */
function chargeGroupKey(entry: LedgerEntry): { key: string; day: string; product_id: string } | null {
  if (entry.kind !== 'debit' || !entry.external_ref?.startsWith('call:')) return null;
  const product = callProduct(entry);
  if (!product) return null;
  const day = entry.created_at.slice(0, 10);
  return { key: `${day}|${product}`, day, product_id: product };
}

/** Yields entries from the cursor on, at most HISTORY_SCAN_ENTRIES; `done` tells whether the ledger ended. */
async function* scan(read: LedgerWindowReader, cursor: string | null | undefined): AsyncGenerator<SequencedEntry, { done: boolean }, undefined> {
  let before = cursor ? decodeLedgerCursor(cursor) : Number.MAX_SAFE_INTEGER;
  let budget = HISTORY_SCAN_ENTRIES;
  // Small first: most pages end within the first hundred entries.
  let size = HISTORY_FIRST_WINDOW_ENTRIES;
  while (budget > 0) {
    const count = Math.min(size, budget);
    const window = await read(before, count);
    for (const row of window) yield row;
    if (window.length < count) return { done: true };
    budget -= window.length;
    before = window[window.length - 1]!.seq;
    size = Math.min(size * 4, HISTORY_WINDOW_ENTRIES);
  }
  return { done: false };
}

export async function dailyHistoryPage(read: LedgerWindowReader, options: { limit: number; cursor?: string | null }): Promise<Page<DailyHistoryItem>> {
  assertPageLimit(options.limit);
  const items: DailyHistoryItem[] = [];
  const groups = new Map<string, ChargesGroup>();
  let lastSeq: number | null = null;
  const rows = scan(read, options.cursor);
  for (;;) {
    const next = await rows.next();
    if (next.done) {
      const exhausted = next.value.done;
      return { items, next_cursor: exhausted || lastSeq === null ? null : encodeLedgerCursor(lastSeq) };
    }
    const { seq, entry } = next.value;
    const charge = chargeGroupKey(entry);
    const group = charge ? groups.get(charge.key) : undefined;
    if (!group && items.length === options.limit) {
      return { items, next_cursor: encodeLedgerCursor(lastSeq!) };
    }
    if (group) {
      group.calls += 1;
      group.amount_micros += entry.amount_micros;
      group.first_at = entry.created_at < group.first_at ? entry.created_at : group.first_at;
      group.last_at = entry.created_at > group.last_at ? entry.created_at : group.last_at;
    } else if (charge) {
      const opened: ChargesGroup = {
        type: 'charges',
        day: charge.day,
        product_id: charge.product_id,
        calls: 1,
        amount_micros: entry.amount_micros,
        first_at: entry.created_at,
        last_at: entry.created_at,
        calls_cursor: encodeLedgerCursor(seq + 1),
      };
      groups.set(charge.key, opened);
      items.push(opened);
    } else {
      items.push({ type: 'entry', entry });
    }
    lastSeq = seq;
  }
}

function matches(entry: LedgerEntry, filter: LedgerFilter): boolean {
  return (
    (!filter.kind || entry.kind === filter.kind) &&
    (!filter.day || entry.created_at.startsWith(filter.day)) &&
    (!filter.product_id || callProduct(entry) === filter.product_id)
  );
}

export async function filteredLedgerPage(read: LedgerWindowReader, filter: LedgerFilter): Promise<Page<LedgerEntry>> {
  assertPageLimit(filter.limit);
  const items: LedgerEntry[] = [];
  const olderThanDay = filter.day ? Date.parse(`${filter.day}T00:00:00.000Z`) - DAY_FILTER_SLACK_MS : null;
  let lastSeq: number | null = null;
  const rows = scan(read, filter.cursor);
  for (;;) {
    const next = await rows.next();
    if (next.done) return { items, next_cursor: next.value.done || lastSeq === null ? null : encodeLedgerCursor(lastSeq) };
    const { seq, entry } = next.value;
    if (olderThanDay !== null && Date.parse(entry.created_at) < olderThanDay) return { items, next_cursor: null };
    if (matches(entry, filter)) {
      if (items.length === filter.limit) return { items, next_cursor: encodeLedgerCursor(lastSeq!) };
      items.push(entry);
    }
    lastSeq = seq;
  }
}
