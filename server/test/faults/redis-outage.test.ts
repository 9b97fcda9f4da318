/**
 * Fault test: Redis killed (SIGKILL) and restarted under load, and Redis hanging (CLIENT
 * PAUSE). A Redis of the test's own (AOF, `appendfsync always`, as deploy/ runs it, so
 * every acknowledged write survives the kill), the real server on it, a local upstream,
 * and a bounded load of metered calls and balance reads by a few workers.
 *
 * While Redis is gone every answer is 503 problem+json `store_unavailable` with
 * Retry-After — never 500 — and none of those calls is charged or reaches the upstream.
 * Once Redis is back the server recovers by itself, and afterwards: Σ ledger = balance,
 * each standing charge is a call that reached the upstream and was answered 200, and
 * usage counts exactly those calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '@kikuai/server';
import { json, PRICE_MICROS, startProxyServer, startUpstream, type ProxyTestServer, type Upstream } from '../proxy/support.js';
import { redisCommand, startOwnRedis, withOwnRedis, type OwnRedis } from '@kikuai/testkit';

const WORKERS = 6;
const ACCOUNTS = 3;
const DEADLINE_MS = 40_000;
/** Longer than twice the store's command timeout (1 s; auto-pipelined commands can wait for one batch before theirs), so that requests time out during it. */
const PAUSE_MS = 3500;

interface Answer {
  requestId: string;
  kind: 'call' | 'balance';
  phase: 'before' | 'outage' | 'after';
  status: number;
  contentType: string;
  retryAfter: string | null;
  code: string | null;
}

async function ledgerOf(store: Store, accountId: string) {
  const entries = [];
  for (let cursor: string | null = null, first = true; first || cursor; first = false) {
    const page = await store.listLedger(accountId, { limit: 100, cursor });
    entries.push(...page.items);
    cursor = page.next_cursor;
  }
  return entries;
}

/** Drives calls until `until()` holds; each worker sends one request at a time. */
/** One outage run: the load's current phase, its answers so far and its deadline. */
interface LoadRun {
  phase: Answer['phase'];
  deadline: number;
  answers: Answer[];
  /** How many answers of `phase` had `status`. */
  count(phase: Answer['phase'], status: number): number;
}

function countAnswers(answers: Answer[], phase: Answer['phase'], status: number): number {
  return answers.filter((answer) => answer.phase === phase && answer.status === status).length;
}

function load(server: ProxyTestServer, accounts: Array<{ apiKey: string }>, answers: Answer[], phase: () => Answer['phase'], label: string) {
  let stopped = false;
  let sequence = 0;
  const worker = async (index: number) => {
    while (!stopped) {
      const n = sequence++;
      const requestId = `${label}-${n}`;
      const { apiKey } = accounts[n % accounts.length]!;
      const kind: Answer['kind'] = n % 5 === 4 ? 'balance' : 'call';
      const at = phase();
      let response: Response;
      try {
        response =
          kind === 'call'
            ? await server.proxy('/api/v1/proxy/http', apiKey, { n }, { headers: { 'x-request-id': requestId } })
            : await fetch(`${server.url}/api/v1/balance`, { headers: { authorization: `Bearer ${apiKey}`, 'x-request-id': requestId } });
      } catch (error) {
        throw new Error(`worker ${index}: request ${requestId} got no answer: ${String(error)}`);
      }
      const text = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      const code = contentType.includes('json') && text ? ((JSON.parse(text) as { code?: string }).code ?? null) : null;
      answers.push({ requestId, kind, phase: at, status: response.status, contentType, retryAfter: response.headers.get('retry-after'), code });
    }
  };
  const running = Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));
  return {
    async stop() {
      stopped = true;
      await running;
    },
  };
}

function tally(answers: Answer[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const answer of answers) {
    const name = `${answer.phase} ${answer.kind} ${answer.status} ${answer.code ?? ''}`.trim();
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, deadline: number, answers: Answer[]) {
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(tally(answers))}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.skipIf(!withOwnRedis())('Redis outage under load', () => {
  let redis: OwnRedis;
  let upstream: Upstream;
  let server: ProxyTestServer;
  let accounts: Array<{ accountId: string; apiKey: string }>;

  beforeAll(async () => {
    redis = await startOwnRedis({ persistent: true });
    upstream = await startUpstream((_request, response) => json(response, 200, { ok: true }));
    server = await startProxyServer({
      store: 'redis',
      upstreamUrl: upstream.url,
      env: { REDIS_URL: redis.url, KIKUAI_RATE_LIMIT_PER_KEY: '100000', KIKUAI_RATE_LIMIT_PER_ACCOUNT: '100000' },
    });
    accounts = [];
    for (let i = 0; i < ACCOUNTS; i++) accounts.push(await server.fundedAccount(100_000 * PRICE_MICROS));
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await redis?.stop();
  });

  /** After the load: every 503 was a store outage, and the money matches what the upstream saw. */
  /** The cost of the usage recorded so far, over every account of the suite. */
  async function usageCost(): Promise<number> {
    const today = new Date().toISOString().slice(0, 10);
    let total = 0;
    for (const { accountId } of accounts) for (const row of await server.store.getUsage(accountId, today, today)) total += row.cost_micros;
    return total;
  }

  async function checkBooks(answers: Answer[], label: string, usageBefore: number) {
    const byRequest = new Map(answers.map((answer) => [answer.requestId, answer]));
    const unexpected = answers.filter((answer) => answer.status !== 200 && answer.status !== 503);
    expect(unexpected, 'only 200 and 503 answers').toEqual([]);
    for (const answer of answers.filter((item) => item.status === 503)) {
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.code).toBe('store_unavailable');
      expect(Number(answer.retryAfter)).toBeGreaterThan(0);
    }
    const answeredCalls = answers.filter((answer) => answer.kind === 'call' && answer.status === 200);
    const ours = (requestId: string) => requestId.startsWith(`${label}-`);
    const forwarded = new Set(upstream.calls.map((call) => String(call.headers['x-request-id'])).filter(ours));

    // A charge left in doubt by the outage (Redis applied a reservation whose answer never
    // came, or applies it when it wakes) is refunded within a few seconds of recovery.
    let charged: string[] = [];
    let refundedInDoubt = 0;
    const settleDeadline = Date.now() + 10_000;
    for (;;) {
      charged = [];
      refundedInDoubt = 0;
      for (const { accountId } of accounts) {
        const entries = await ledgerOf(server.store, accountId);
        const refunds = entries.filter((entry) => entry.kind === 'refund');
        refundedInDoubt += refunds.filter((entry) => entry.reason.endsWith('store_unavailable') && ours(entry.external_ref!.replace(/^refund:/, ''))).length;
        const refunded = new Set(refunds.map((entry) => entry.external_ref!.replace(/^refund:/, 'call:')));
        for (const entry of entries) {
          if (entry.kind !== 'debit' || refunded.has(entry.external_ref!)) continue;
          const requestId = entry.external_ref!.replace(/^call:/, '').replace(/\.[^.]*$/, '');
          if (ours(requestId)) charged.push(requestId);
        }
      }
      if (charged.every((requestId) => byRequest.get(requestId)?.status === 200) || Date.now() > settleDeadline) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    // Read once the refunds in doubt are written (the two reads are not one snapshot).
    for (const { accountId } of accounts) {
      const account = (await server.store.getAccount(accountId))!;
      expect(await server.store.sumLedger(accountId), `Σ ledger = balance (${accountId})`).toBe(account.balance_micros);
    }
    const chargedWithout200 = charged.filter((requestId) => byRequest.get(requestId)?.status !== 200);
    expect(chargedWithout200, 'charged calls that were not answered 200').toEqual([]);
    expect(
      charged.filter((requestId) => !forwarded.has(requestId)),
      'charged calls that never reached the upstream',
    ).toEqual([]);
    expect(new Set(charged).size).toBe(charged.length);
    expect(charged.length).toBe(answeredCalls.length);

    // Usage is written in batches about once a second.
    const expected = usageBefore + charged.length * PRICE_MICROS;
    const usageDeadline = Date.now() + 10_000;
    let usage = await usageCost();
    while (usage < expected && Date.now() < usageDeadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      usage = await usageCost();
    }
    expect(usage - usageBefore, 'usage = charges').toBe(charged.length * PRICE_MICROS);
    return { charged: charged.length, forwarded: forwarded.size, refundedInDoubt };
  }

  function summary(label: string, answers: Answer[], books: { charged: number; forwarded: number; refundedInDoubt: number }) {
    const count = (phase: Answer['phase'], status: number) => countAnswers(answers, phase, status);
    console.log(
      `${label}: ${answers.length} requests; before ${count('before', 200)}×200; during the outage ${count('outage', 200)}×200 ${count('outage', 503)}×503; ` +
        `after ${count('after', 200)}×200 ${count('after', 503)}×503; charged ${books.charged}, reached the upstream ${books.forwarded}, charges in doubt refunded ${books.refundedInDoubt}, 500s 0`,
    );
  }

  /**
   * Runs `during` with the server under load (phase 'before' until `during` moves it on), then
   * checks the books and logs the summary.
   */
  async function underLoad(label: string, title: string, during: (run: LoadRun) => Promise<void>): Promise<LoadRun> {
    const usageBefore = await usageCost();
    const answers: Answer[] = [];
    const run: LoadRun = { phase: 'before', deadline: Date.now() + DEADLINE_MS, answers, count: (phase, status) => countAnswers(answers, phase, status) };
    const running = load(server, accounts, answers, () => run.phase, label);
    try {
      await during(run);
    } finally {
      await running.stop();
    }
    const books = await checkBooks(answers, label, usageBefore);
    summary(title, answers, books);
    return run;
  }

  it('answers 503 while Redis is killed, charges none of them, and recovers by itself when it restarts', async () => {
    const { count } = await underLoad('kill', 'SIGKILL and restart', async (run) => {
      await waitFor('calls before the kill', () => run.count('before', 200) >= 150, run.deadline, run.answers);
      run.phase = 'outage';
      await redis.kill();
      await waitFor('503s during the outage', () => run.count('outage', 503) >= 100, run.deadline, run.answers);
      await redis.start();
      run.phase = 'after';
      await waitFor('recovery', () => run.count('after', 200) >= 150, run.deadline, run.answers);
    });
    expect(count('outage', 503)).toBeGreaterThanOrEqual(100);
    expect(count('after', 200)).toBeGreaterThanOrEqual(150);
    // Readiness is back too.
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  }, 60_000);

  it('answers 503 while Redis hangs (CLIENT PAUSE), charges none of them, and recovers when it answers again', async () => {
    await underLoad('pause', 'CLIENT PAUSE', async (run) => {
      await waitFor('calls before the pause', () => run.count('before', 200) >= 100, run.deadline, run.answers);
      run.phase = 'outage';
      const pausedUntil = Date.now() + PAUSE_MS;
      await redisCommand(redis.port, 'CLIENT', 'PAUSE', String(PAUSE_MS), 'ALL');
      const readiness = await fetch(`${server.url}/readyz`);
      expect(readiness.status).toBe(503);
      expect(readiness.headers.get('retry-after')).not.toBeNull();
      await waitFor('the end of the pause', () => run.count('outage', 503) >= WORKERS && Date.now() > pausedUntil, run.deadline, run.answers);
      run.phase = 'after';
      await waitFor('recovery', () => run.count('after', 200) >= 100, run.deadline, run.answers);
    });
  }, 60_000);
});
