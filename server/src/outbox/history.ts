/**
 * `/history` past the store's ledger retention: the store's page first and, where the store's
 * ledger ends, the older entries from PostgreSQL, under the same cursor (`l1:<sequence>`: the
 * entries below that sequence number, wherever they are kept).
 */
import { decodeLedgerCursor, encodeLedgerCursor } from '../store/logic.js';
import type { LedgerEntry, Page, Store } from '../store/types.js';
import type { Archive } from './archive.js';

export async function listLedgerWithArchive(
  store: Store,
  archive: Archive | null,
  accountId: string,
  options: { limit: number; cursor: string | null },
): Promise<Page<LedgerEntry>> {
  const page = await store.listLedger(accountId, options);
  if (!archive || page.next_cursor !== null || page.items.length >= options.limit) return page;
  const oldest = page.items.at(-1);
  const before = oldest ? { id: oldest.id } : options.cursor ? { seq: decodeLedgerCursor(options.cursor) } : {};
  const wanted = options.limit - page.items.length;
  let older;
  try {
    older = await archive.ledgerBefore(accountId, before, wanted + 1);
  } catch {
    // PostgreSQL does not answer: what the store keeps, as without it.
    return page;
  }
  const kept = older.slice(0, wanted);
  return {
    items: [...page.items, ...kept.map(({ seq: _seq, ...entry }) => entry)],
    next_cursor: older.length > wanted ? encodeLedgerCursor(kept.at(-1)!.seq) : null,
  };
}
