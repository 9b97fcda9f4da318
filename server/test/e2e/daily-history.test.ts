/**
 * Issue 17 item 4: history that reads. Over HTTP, on both stores: 1,000 calls of two
 * products over three days, with top-ups, refunds and an adjustment among them, come back
 * from GET /api/v1/history/daily as one row per day and product plus every other entry on
 * its own row; the pages add up to the ledger, each entry once; a group's single calls are
 * one filtered request away.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@kikuai/testkit';
import { STORE_KINDS } from '@kikuai/testkit/stores';
import { caller, type CallResult } from '../support/http.js';
import { HISTORY_DAYS, historyTotals, writeMixedLedger, type HistoryItemLike, type MixedLedger } from '../support/history.js';

describe.each(STORE_KINDS)('daily history over HTTP (%s store)', (storeKind) => {
  let server: TestServer;
  let call: ReturnType<typeof caller>;
  let apiKey: string;
  let accountId: string;
  let written: MixedLedger;

  beforeAll(async () => {
    server = await startTestServer({ store: storeKind });
    call = caller(server);
    const registered = await server.register();
    apiKey = registered.apiKey;
    accountId = registered.account.id;
    written = await writeMixedLedger(server.store, accountId);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  async function readAll(path: string, limit: number) {
    const items: HistoryItemLike[] = [];
    const pageSizes: number[] = [];
    let cursor: string | null = null;
    do {
      const response: CallResult<{ data: HistoryItemLike[]; next_cursor: string | null }> = await call(
        'GET',
        `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
        { auth: { apiKey } },
      );
      expect(response.status).toBe(200);
      pageSizes.push(response.body.data.length);
      items.push(...response.body.data);
      cursor = response.body.next_cursor;
    } while (cursor);
    return { items, pageSizes };
  }

  it('groups the calls by day and product, keeps top-ups, refunds and the adjustment on their own rows, and sums exactly to the ledger', async () => {
    const { items, pageSizes } = await readAll('/api/v1/history/daily', 20);
    expect(Math.max(...pageSizes)).toBeLessThanOrEqual(20);
    const totals = historyTotals(items);
    expect(totals.sum).toBe(await server.store.sumLedger(accountId));
    expect(totals.groups).toEqual(written.chargesByGroup);
    expect(totals.entryIds).toHaveLength(written.standalone);
    expect(new Set(totals.entryIds).size).toBe(written.standalone);

    // What a reader sees first: the adjustment of the last evening, then the last day's two products.
    expect(items[0]).toMatchObject({ type: 'entry', entry: { kind: 'adjustment', amount_usd: '-0.000500' } });
    const lastDay = items.filter((item) => item.type === 'charges' && item.day === HISTORY_DAYS[2]);
    expect(lastDay.map((group) => (group.type === 'charges' ? group.product_id : '')).sort()).toEqual(expect.arrayContaining(['reliapi', 'routellm']));
    const charges = items.filter((item) => item.type === 'charges');
    expect(charges.length).toBeLessThan(40); // not 1,000 rows
    expect(charges[0]).toMatchObject({ amount_usd: expect.stringMatching(/^-\d+\.\d{6}$/) });
  });

  it('pages neither drop nor repeat an entry whatever the page size', async () => {
    const whole = historyTotals((await readAll('/api/v1/history/daily', 100)).items);
    for (const limit of [5, 13]) {
      const paged = historyTotals((await readAll('/api/v1/history/daily', limit)).items);
      expect(paged.groups).toEqual(whole.groups);
      expect(paged.entryIds).toEqual(whole.entryIds);
      expect(paged.sum).toBe(whole.sum);
    }
  });

  it("lists a group's single calls with kind, day and product filters, from the group's cursor", async () => {
    const first = await call('GET', '/api/v1/history/daily?limit=5', { auth: { apiKey } });
    const group = first.body.data.find((item: HistoryItemLike) => item.type === 'charges');
    const { items: calls } = await readAll(`/api/v1/history?kind=debit&day=${group.day}&product_id=${group.product_id}`, 100);
    const entries = calls as unknown as Array<{ kind: string; reason: string; created_at: string }>;
    expect(entries).toHaveLength(written.chargesByGroup.get(`${group.day}|${group.product_id}`)!.calls);
    expect(entries.every((entry) => entry.kind === 'debit' && entry.reason === `${group.product_id}/llm` && entry.created_at.startsWith(group.day))).toBe(true);
    expect(entries[0]!.created_at).toBe(group.last_at); // the newest day: nothing newer than its first group

    const fromGroup = await call('GET', `/api/v1/history?kind=debit&day=${group.day}&product_id=${group.product_id}&limit=3&cursor=${group.calls_cursor}`, {
      auth: { apiKey },
    });
    expect(fromGroup.body.data[0].created_at).toBe(group.last_at);
  });

  it('refuses a cursor it did not give and a malformed day', async () => {
    expect((await call('GET', '/api/v1/history/daily?cursor=bm9wZQ', { auth: { apiKey } })).body).toMatchObject({ status: 400, code: 'validation_failed' });
    expect((await call('GET', '/api/v1/history?day=yesterday', { auth: { apiKey } })).status).toBe(400);
  });
});
