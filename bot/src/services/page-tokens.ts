import { randomBytes } from 'node:crypto';

/**
 * API cursors can be longer than the 64 bytes a callback button carries, so a button
 * carries a short token and this bounded map remembers the page it stands for.
 * A token from before a restart (or from another instance) is unknown: the caller
 * shows the first page again.
 */
export interface HistoryPage {
  cursor: string | null;
  page: number;
  /** The token of the page before, or null for the first page. */
  previous: string | null;
  /** On a page of single calls: whose calls (a charges group's day and product), and the history page to go back to. */
  calls?: { day: string; product_id: string; back: string };
}

export class PageTokens {
  private readonly pages = new Map<string, HistoryPage>();
  constructor(private readonly capacity = 5_000) {}

  remember(page: HistoryPage): string {
    const token = randomBytes(6).toString('base64url');
    this.pages.set(token, page);
    if (this.pages.size > this.capacity) this.pages.delete(this.pages.keys().next().value as string);
    return token;
  }

  recall(token: string): HistoryPage | undefined {
    return this.pages.get(token);
  }
}
