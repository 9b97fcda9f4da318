/**
 * Fault test: the real API process (`server/dist/main.js`, the API alone, as docker-compose.yml runs it) as a child
 * process, on each store, with load through it to a local upstream that answers fast,
 * slowly, as a slow stream, with a 5xx, not at all (timeout), by resetting the connection
 * or with a redirect. The server is killed with SIGKILL mid-load twice and restarted; once
 * its reconciler has settled what the kills left open, the books must agree:
 * - Σ ledger = balance;
 * - usage (the API, JSON and CSV) = charges (the ledger), call for call;
 * - nothing charged that never reached the upstream, or that the upstream failed.
 * Each call carries its own X-Request-Id, which the server uses in the call's ledger
 * reference and forwards upstream: so the upstream's log and the ledger can be joined.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Agent, fetch } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore, type Store } from '@kikuai/server';
import { testProductsYaml } from '@kikuai/testkit';
import { REDIS_URL, STORE_KINDS } from '@kikuai/testkit/stores';
import { freePort } from '@kikuai/testkit/http';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const entry = path.join(root, 'server/dist/main.js');
const PRICE = 1000;
const TIMEOUT_MS = 1000;
const MODES = ['ok', 'ok', 'ok', 'slow', 'slow', 'stream', '5xx', 'hang', 'reset', 'redirect'] as const;
type Mode = (typeof MODES)[number];

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The upstream: records the request id of every call that reached it, and answers as the call's mode says. */
function startUpstream(): Promise<{ url: string; received: Map<string, Mode>; server: Server }> {
  const received = new Map<string, Mode>();
  const server = createServer((request, response) => {
    const id = String(request.headers['x-request-id']);
    request.resume();
    request.on('end', () => {
      const mode = (new URL(`http://x${request.url}`).pathname === '/proxy/llm' ? id.split('-')[1] : 'ok') as Mode;
      received.set(id, mode);
      switch (mode) {
        case 'ok':
          response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
          return;
        case 'slow':
          setTimeout(() => response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":"slow"}'), 200 + Math.random() * 600);
          return;
        case 'stream':
          response.writeHead(200, { 'content-type': 'text/event-stream' });
          response.write('data: 1\n\n');
          setTimeout(() => response.end('data: [DONE]\n\n'), 1500);
          return;
        case '5xx':
          response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
          return;
        case 'hang':
          return;
        case 'reset':
          request.socket.destroy();
          return;
        case 'redirect':
          response.writeHead(302, { location: 'http://10.0.0.7:8080/internal' }).end();
          return;
      }
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, received, server })),
  );
}

describe.each(STORE_KINDS)('kill -9 mid-load (%s store)', (storeKind) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-crash-'));
  const redisPrefix = uniqueRedisPrefix('kikuai-crash');
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const serviceToken = `svc_${randomBytes(16).toString('hex')}`;
  const children: ChildProcess[] = [];
  let upstreamServer: Server | null = null;
  let store: Store | null = null;

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    upstreamServer?.closeAllConnections();
    upstreamServer?.close();
    if (store && storeKind === 'redis') {
      await deleteRedisPrefix(REDIS_URL, redisPrefix);
    }
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function startServer(environment: Record<string, string>): Promise<{ url: string; child: ChildProcess }> {
    const port = await freePort();
    const child = spawn(process.execPath, [entry], { cwd: root, env: { ...environment, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    const deadline = Date.now() + 20_000;
    while (!output.includes('kikuai API listening')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the server did not start:\n${output}`);
      await sleep(50);
    }
    return { url: `http://127.0.0.1:${port}`, child };
  }

  it('charges only calls that reached the upstream and were answered, and the books agree after the restart', async () => {
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does).`);
    const upstream = await startUpstream();
    upstreamServer = upstream.server;
    const productsFile = path.join(dataDir, 'products.yaml');
    writeFileSync(productsFile, testProductsYaml({ priceMicros: PRICE, timeoutMs: TIMEOUT_MS }));
    const environment: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      HOST: '127.0.0.1',
      KIKUAI_DATA_DIR: dataDir,
      KIKUAI_PRODUCTS_FILE: productsFile,
      RELIAPI_URL: upstream.url,
      RELIAPI_API_KEY: 'reliapi-secret-for-the-crash-test',
      KIKUAI_ADMIN_TOKEN: adminToken,
      KIKUAI_BOT_SERVICE_TOKEN: serviceToken,
      KIKUAI_RECONCILE_GRACE_MS: '300',
      KIKUAI_RECONCILE_INTERVAL_MS: '300',
      KIKUAI_RATE_LIMIT_PER_KEY: '1000000',
      KIKUAI_RATE_LIMIT_PER_ACCOUNT: '1000000',
      KIKUAI_LOG_LEVEL: 'error',
      ...(storeKind === 'redis' ? { REDIS_URL, KIKUAI_REDIS_PREFIX: redisPrefix } : {}),
    };
    const client = new Agent({ connections: 64 });
    let server = await startServer(environment);

    // An account with a key and money for every call.
    const telegramId = 700_000_000 + Math.floor(Math.random() * 100_000_000);
    const registered = await fetch(`${server.url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kikuai-service-token': serviceToken, 'x-kikuai-telegram-user-id': String(telegramId) },
      body: JSON.stringify({ telegram_user: { id: telegramId, first_name: 'Crash' } }),
    });
    const { account, api_key: apiKey } = (await registered.json()) as { account: { id: string }; api_key: { secret: string } };
    const credited = await fetch(`${server.url}/api/v1/admin/accounts/${account.id}/credit`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kikuai-admin-token': adminToken },
      body: JSON.stringify({ amount_micros: 10_000 * PRICE, reason: 'crash test' }),
    });
    expect(credited.status).toBe(200);

    // Load: workers send calls of every mode until told to stop.
    let sent = 0;
    const answers = new Map<string, number | 'failed'>();
    async function load(url: string, calls: number, concurrency: number, stop: { now: boolean }) {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (!stop.now && sent < calls) {
            const id = `c${sent}-${MODES[sent % MODES.length]}`;
            sent += 1;
            try {
              const response = await fetch(`${url}/api/v1/proxy/llm`, {
                method: 'POST',
                headers: { authorization: `Bearer ${apiKey.secret}`, 'content-type': 'application/json', 'x-request-id': id },
                body: '{"model":"m","messages":[]}',
                dispatcher: client,
              });
              await response.arrayBuffer();
              answers.set(id, response.status);
            } catch {
              answers.set(id, 'failed');
            }
          }
        }),
      );
    }

    // Two kills, each while calls are in flight (slow answers, streams, hangs), then a restart.
    let kills = 0;
    for (const target of [120, 240]) {
      const stop = { now: false };
      const running = load(server.url, 10_000, 16, stop);
      while (sent < target) await sleep(5);
      await sleep(300); // slow calls and streams are mid-way; some answered states are flushed
      server.child.kill('SIGKILL');
      kills += 1;
      stop.now = true;
      await running;
      await new Promise((resolve) => (server.child.exitCode !== null || server.child.signalCode !== null ? resolve(null) : server.child.once('exit', resolve)));
      server = await startServer(environment);
    }
    // Load after the last restart runs to its end.
    await load(server.url, sent + 60, 8, { now: false });

    // The reconciler settles what the kills left open (older than the timeout + grace).
    store = createStore(
      storeKind === 'redis' ? { redisUrl: REDIS_URL, dataDir, keyPrefix: redisPrefix } : { redisUrl: undefined, dataDir, keyPrefix: redisPrefix },
    );
    const deadline = Date.now() + 20_000;
    while ((await store.listOpenCalls(Number.MAX_SAFE_INTEGER, 10)).length > 0) {
      if (Date.now() > deadline) throw new Error('open calls were never reconciled');
      await sleep(200);
    }

    // The books, through the API.
    const get = async (pathname: string) => {
      const response = await fetch(`${server.url}${pathname}`, { headers: { authorization: `Bearer ${apiKey.secret}` }, dispatcher: client });
      expect(response.status).toBe(200);
      return response;
    };
    const entries: Array<{ kind: string; amount_micros: number; external_ref: string | null; reason: string }> = [];
    for (let cursor: string | null = null, first = true; first || cursor; first = false) {
      const page = (await (await get(`/api/v1/history?limit=100${cursor ? `&cursor=${cursor}` : ''}`)).json()) as {
        data: typeof entries;
        next_cursor: string | null;
      };
      entries.push(...page.data);
      cursor = page.next_cursor;
    }
    const balance = ((await (await get('/api/v1/balance')).json()) as { balance_micros: number }).balance_micros;
    const usage = (await (await get('/api/v1/usage')).json()) as { totals: { requests: number; errors: number; cost_micros: number } };
    const csv = (await (await get('/api/v1/usage?format=csv')).text()).trim().split('\n').slice(1);

    const debits = new Map(entries.filter((e) => e.kind === 'debit').map((e) => [e.external_ref!.slice('call:'.length).replace(/\.[^.]+$/, ''), e]));
    const refunds = new Set(entries.filter((e) => e.kind === 'refund').map((e) => e.external_ref!.slice('refund:'.length).replace(/\.[^.]+$/, '')));
    const byReconciler = entries.filter((e) => e.kind === 'refund' && e.reason.includes('not settled')).length;
    const kept = [...debits.keys()].filter((id) => !refunds.has(id));

    // Σ ledger = balance.
    expect(entries.reduce((sum, e) => sum + e.amount_micros, 0)).toBe(balance);
    expect(await store.sumLedger(account.id)).toBe(balance);
    // Every refund belongs to a debit, once.
    expect([...refunds].every((id) => debits.has(id))).toBe(true);
    expect(entries.filter((e) => e.kind === 'refund')).toHaveLength(refunds.size);
    // Usage = charges, call for call: every reserved call is in the usage once, at its kept cost.
    expect(usage.totals.requests).toBe(debits.size);
    expect(usage.totals.cost_micros).toBe(kept.length * PRICE);
    const csvTotals = csv
      .map((line) => line.split(','))
      .reduce((sum, fields) => ({ requests: sum.requests + Number(fields[3]), cost: sum.cost + Number(fields[5]) }), { requests: 0, cost: 0 });
    expect(csvTotals).toEqual({ requests: debits.size, cost: kept.length * PRICE });
    // Nothing charged that never reached the upstream, or that it failed, hung, reset or redirected.
    const notReached = kept.filter((id) => !upstream.received.has(id));
    expect(notReached).toEqual([]);
    expect(kept.filter((id) => !['ok', 'slow', 'stream'].includes(upstream.received.get(id)!))).toEqual([]);
    // A call whose answer the client received in full was charged, unless a kill lost its settlement (then refunded: the safe side).
    const answeredOk = [...answers].filter(([, status]) => status === 200).map(([id]) => id);
    const answeredFailed = [...answers].filter(([id, status]) => status !== 200 && status !== 'failed' && !refunds.has(id) && debits.has(id));
    expect(answeredFailed).toEqual([]);

    const statuses: Record<string, number> = {};
    for (const status of answers.values()) statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
    console.log(
      `statuses ${JSON.stringify(statuses)} [crash ${storeKind}] calls sent ${sent}, kills ${kills}, reached upstream ${upstream.received.size}, charged ${debits.size}, ` +
        `kept ${kept.length}, refunded ${refunds.size} (by the reconciler ${byReconciler}), client saw 200 for ${answeredOk.length}, ` +
        `client lost ${[...answers.values()].filter((status) => status === 'failed').length}`,
    );
    expect(kills).toBe(2);
    expect(byReconciler).toBeGreaterThan(0);
    await client.destroy();
    server.child.kill('SIGTERM');
  }, 90_000);
});
