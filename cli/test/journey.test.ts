/**
 * A developer's first session with the built `kikuai` binary, against the real server
 * (real port, real SQLite store) in a fresh config directory: log in, look around,
 * manage keys, spend money on a proxied call, and see it in balance, usage and history.
 * Every `--json` output must parse and match the spec's schema.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAs } from './support/spec-schemas.js';
import { runCli, tempConfigDir } from './support/run-cli.js';
import { PRICE_MICROS, sendJson, startWorld, type World } from './support/world.js';

// Many child processes per test: generous timeouts for a busy machine (no timing is asserted).
describe('kikuai: first session', { timeout: 120_000 }, () => {
  let world: World;
  let config: ReturnType<typeof tempConfigDir>;
  let user: { accountId: string; apiKey: string; keyId: string };
  let env: Record<string, string>;
  const kikuai = (args: string[], options: Parameters<typeof runCli>[1] = {}) => runCli(args, { ...options, env: { ...env, ...options.env } });

  beforeAll(async () => {
    world = await startWorld();
    config = tempConfigDir();
    user = await world.account(5_000_000);
    env = { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: world.server.url };
  });
  afterAll(async () => {
    await world?.close();
    config?.cleanup();
  });

  it('logs in with a key piped on stdin, checks it, and saves it 0600 in a 0700 directory', async () => {
    const login = await kikuai(['login'], { input: `${user.apiKey}\n` });
    expect(login.stderr).toBe('');
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain(`Logged in to ${world.server.url} as @tester (${user.accountId}).`);
    expect(login.stdout).not.toContain(user.apiKey);

    const file = path.join(config.dir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(config.dir).mode & 0o777).toBe(0o700);
  });

  it('whoami shows the account and where the key comes from; --json is a Me', async () => {
    const human = await kikuai(['whoami']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(user.accountId);
    expect(human.stdout).toContain('$5.00');
    expect(human.stdout).toContain(`${user.keyId}  (from profile "default")`);

    const json = await kikuai(['whoami', '--json']);
    expect(json.stderr).toBe('');
    const me = parseAs('Me', json.stdout);
    expect(me).toMatchObject({ account: { id: user.accountId, balance_micros: 5_000_000 }, auth: { method: 'api_key', key_id: user.keyId } });
  });

  let ciKey: { id: string; secret: string };

  it('creates a limited key and shows its secret once', async () => {
    const created = await kikuai([
      'keys',
      'create',
      '--name',
      'ci',
      '--products',
      'reliapi',
      '--permissions',
      'billing:read,products:call',
      '--spend-limit',
      '2.50',
      '--period',
      'daily',
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const key = parseAs('ApiKeyWithSecret', created.stdout);
    expect(key).toMatchObject({
      name: 'ci',
      status: 'active',
      allowed_products: ['reliapi'],
      permissions: ['products:call', 'billing:read'],
      spend_limit: { limit_micros: 2_500_000, period: 'daily', spent_micros: 0 },
    });

    const unknown = await kikuai(['keys', 'create', '--permissions', 'keys:everything']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown permission "keys:everything"');
    ciKey = key;

    const human = await kikuai(['keys', 'create', '--name', 'laptop']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/Secret\s+kik_[0-9A-Za-z]{40,60}/);
    expect(human.stderr).toContain('Store the secret now: it cannot be shown again.');
  });

  it('lists the keys as a table and as an ApiKeyList without secrets', async () => {
    const table = await kikuai(['keys', 'list']);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+KEY\s+STATUS\s+CREATED\s+LAST USED\s+PRODUCTS\s+PERMISSIONS\s+SPEND LIMIT$/);
    expect(table.stdout.split('\n').find((line) => line.startsWith(ciKey.id))).toMatch(/reliapi\s+products:call,billing:read\s+\$0\.00 of \$2\.50 daily/);
    expect(table.stdout.split('\n').find((line) => line.includes('laptop'))).toMatch(/\sall\s+all\s/);
    expect(table.stdout).toContain(ciKey.id);
    expect(table.stdout).toContain('$0.00 of $2.50 daily');
    expect(table.stdout).not.toContain(ciKey.secret);

    const list = parseAs('ApiKeyList', (await kikuai(['keys', 'list', '--json'])).stdout);
    expect(list.data.map((key: { name: string }) => key.name)).toEqual(['default', 'ci', 'laptop']);
    expect(JSON.stringify(list)).not.toContain('"secret"');
  });

  it('shows and updates a key', async () => {
    const shown = parseAs('ApiKey', (await kikuai(['keys', 'show', ciKey.id, '--json'])).stdout);
    expect(shown.id).toBe(ciKey.id);
    const human = await kikuai(['keys', 'show', ciKey.id]);
    expect(human.stdout).toMatch(/Permissions\s+products:call, billing:read\n/);
    expect((await kikuai(['keys', 'show', user.keyId])).stdout).toMatch(/Permissions\s+all \(products:call, billing:read, billing:write, keys:manage\)/);
    const updated = await kikuai(['keys', 'update', ciKey.id, '--name', 'ci-2', '--disable', '--json']);
    expect(updated.code, updated.stderr).toBe(0);
    expect(parseAs('ApiKey', updated.stdout)).toMatchObject({ id: ciKey.id, name: 'ci-2', enabled: false, status: 'disabled' });
  });

  it('rotates a key with --yes: the new secret works, the old one is refused with exit 3', async () => {
    const rotated = await kikuai(['keys', 'rotate', ciKey.id, '--yes', '--json']);
    expect(rotated.code, rotated.stderr).toBe(0);
    const key = parseAs('ApiKeyWithSecret', rotated.stdout);
    expect(key.id).toBe(ciKey.id);
    expect(key.secret).not.toBe(ciKey.secret);
    await kikuai(['keys', 'update', ciKey.id, '--enable']);

    const withNew = await kikuai(['balance', '--json', '--api-key', key.secret]);
    expect(withNew.code, withNew.stderr).toBe(0);
    // The ci key has no keys:manage: listing keys is refused, exit 3, the permission named.
    const denied = await kikuai(['keys', 'list', '--api-key', key.secret]);
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain('keys:manage');
    expect(denied.stderr).toContain('permission_denied');
    const withOld = await kikuai(['balance', '--api-key', ciKey.secret]);
    expect(withOld.code, withOld.stderr).toBe(3);
    expect(withOld.stdout).toBe('');
    ciKey = key;
  });

  it('revokes a key with --yes; it no longer lists', async () => {
    const narrowed = await kikuai(['keys', 'update', ciKey.id, '--permissions', 'products:call', '--json']);
    expect(narrowed.code, narrowed.stderr).toBe(0);
    expect(parseAs('ApiKey', narrowed.stdout)).toMatchObject({ id: ciKey.id, permissions: ['products:call'] });
    const revoked = await kikuai(['keys', 'revoke', ciKey.id, '--yes', '--json']);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(parseAs('ApiKey', revoked.stdout)).toMatchObject({ id: ciKey.id, status: 'revoked' });
    const list = parseAs('ApiKeyList', (await kikuai(['keys', 'list', '--json'])).stdout);
    expect(list.data.map((key: { id: string }) => key.id)).not.toContain(ciKey.id);
  });

  it('shows the balance', async () => {
    const human = await kikuai(['balance']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout.trim()).toBe('$5.00 USD');
    expect(parseAs('Balance', (await kikuai(['balance', '--json'])).stdout)).toMatchObject({ balance_micros: 5_000_000, balance_usd: '5.000000' });
  });

  it('calls a product: the answer on stdout, cost and balance on stderr, and the balance is charged', async () => {
    world.upstream.handle = (request, response) => sendJson(response, 200, { ok: true, echoed: JSON.parse(request.body) });
    const call = await kikuai(['call', 'reliapi', 'http', '--data', '{"target":"example","method":"GET","path":"/status"}']);
    expect(call.stderr).toMatch(/^Cost \$0\.001 · balance \$4\.999 · request \S+\n$/);
    expect(call.code, call.stderr).toBe(0);
    expect(JSON.parse(call.stdout)).toEqual({ ok: true, echoed: { target: 'example', method: 'GET', path: '/status' } });
    expect(world.upstream.requests.at(-1)?.authorization).toBe('Bearer reliapi-secret-for-cli-tests');

    const json = await kikuai(['call', 'reliapi', 'http', '--json'], { input: '{"target":"example","method":"GET","path":"/piped"}' });
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ ok: true, echoed: { target: 'example', method: 'GET', path: '/piped' } });
    expect(parseAs('Balance', (await kikuai(['balance', '--json'])).stdout).balance_micros).toBe(5_000_000 - 2 * PRICE_MICROS);
  });

  it('charts usage by day and product, as a UsageReport and as CSV', async () => {
    const today = new Date().toISOString().slice(0, 10);
    let report: any;
    // Usage is recorded in batches: wait (boundedly) until both calls show.
    for (let attempt = 0; attempt < 20; attempt += 1) {
      report = parseAs('UsageReport', (await kikuai(['usage', '--days', '7', '--json'])).stdout);
      if (report.totals.requests >= 2) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(report.to).toBe(today);
    expect(report.totals).toMatchObject({ requests: 2, cost_micros: 2 * PRICE_MICROS });
    expect(report.rows).toEqual([expect.objectContaining({ day: today, product_id: 'reliapi', requests: 2, cost_micros: 2000 })]);

    const chart = await kikuai(['usage', '--days', '7', '--product', 'reliapi']);
    expect(chart.code, chart.stderr).toBe(0);
    const todayLine = chart.stdout.split('\n').find((line) => line.startsWith(today));
    expect(todayLine).toMatch(new RegExp(`^${today}  █{40}\\s+\\$0\\.002\\s+2 req$`));
    expect(chart.stdout).toContain('█ reliapi');
    expect(chart.stdout.trim().split('\n').at(-1)).toBe('Total: 2 requests, 0 refunded, $0.002');

    const csv = await kikuai(['usage', '--days', '7', '--csv']);
    expect(csv.stdout.split('\n')[0]).toBe('day,product_id,key_id,requests,errors,cost_micros,cost_usd,avg_latency_ms');
    expect(csv.stdout).toContain(`${today},reliapi,${user.keyId},2,0,2000,0.002000,`);
  });

  it('shows history with the calls of a day and product on one row, the top-up on its own, and the single calls one flag away', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const human = await kikuai(['history']);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^WHEN\s+WHAT\s+AMOUNT\s+BALANCE\s+DETAIL$/);
    expect(lines[1]).toMatch(new RegExp(`^${today} \\d\\d:\\d\\d–\\d\\d:\\d\\d\\s+reliapi · 2 calls\\s+\u2212\\$0\\.002\\s+--day ${today} --product reliapi$`));
    expect(lines[2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d\s+top-up\s+\+\$5\.00\s+\$5\.00\s+/);
    expect(lines).toHaveLength(3);

    const daily = parseAs('DailyHistoryPage', (await kikuai(['history', '--json'])).stdout);
    expect(daily.data).toEqual([
      expect.objectContaining({ type: 'charges', day: today, product_id: 'reliapi', calls: 2, amount_micros: -2 * PRICE_MICROS }),
      expect.objectContaining({ type: 'entry', entry: expect.objectContaining({ kind: 'credit', amount_micros: 5_000_000 }) }),
    ]);

    const calls = await kikuai(['history', '--day', today, '--product', 'reliapi']);
    expect(calls.code, calls.stderr).toBe(0);
    expect(calls.stdout.split('\n')[0]).toMatch(/^WHEN\s+KIND\s+AMOUNT\s+BALANCE\s+REASON\s+REFERENCE$/);
    expect(calls.stdout.trimEnd().split('\n').slice(1)).toEqual([expect.stringContaining('\u2212$0.001'), expect.stringContaining('\u2212$0.001')]);
    const callsPage = parseAs('LedgerPage', (await kikuai(['history', '--day', today, '--product', 'reliapi', '--json'])).stdout);
    expect(callsPage.data.map((entry: { kind: string; reason: string }) => entry.kind)).toEqual(['debit', 'debit']);
  });

  it('pages through history with --limit and --cursor, or fetches --all, grouped or one entry a row', async () => {
    const first = parseAs('DailyHistoryPage', (await kikuai(['history', '--limit', '1', '--json'])).stdout);
    expect(first.data).toEqual([expect.objectContaining({ type: 'charges', calls: 2 })]);
    const rest = parseAs('DailyHistoryPage', (await kikuai(['history', '--limit', '1', '--cursor', first.next_cursor, '--json'])).stdout);
    expect(rest.data).toEqual([expect.objectContaining({ type: 'entry' })]);
    expect(rest.next_cursor).toBeNull();
    expect((await kikuai(['history', '--limit', '1'])).stdout).toContain(`More: kikuai history --limit 1 --cursor ${first.next_cursor}`);

    const firstEntries = await kikuai(['history', '--calls', '--limit', '2', '--json']);
    const page = parseAs('LedgerPage', firstEntries.stdout);
    expect(page.data.map((entry: { kind: string; amount_micros: number }) => [entry.kind, entry.amount_micros])).toEqual([
      ['debit', -PRICE_MICROS],
      ['debit', -PRICE_MICROS],
    ]);
    expect(page.next_cursor).toEqual(expect.any(String));
    const second = parseAs('LedgerPage', (await kikuai(['history', '--calls', '--limit', '2', '--cursor', page.next_cursor, '--json'])).stdout);
    expect(second.data.map((entry: { kind: string; amount_micros: number }) => [entry.kind, entry.amount_micros])).toEqual([['credit', 5_000_000]]);
    expect(second.next_cursor).toBeNull();

    expect(parseAs('LedgerPage', (await kikuai(['history', '--calls', '--all', '--json'])).stdout).data).toHaveLength(3);
    expect(parseAs('DailyHistoryPage', (await kikuai(['history', '--all', '--json'])).stdout).data).toHaveLength(2);

    const human = await kikuai(['history', '--calls', '--limit', '2']);
    expect(human.stdout.split('\n')[0]).toMatch(/^WHEN\s+KIND\s+AMOUNT\s+BALANCE\s+REASON\s+REFERENCE$/);
    expect(human.stdout).toContain('\u2212$0.001');
    expect(human.stdout).toContain(`More: kikuai history --calls --limit 2 --cursor ${page.next_cursor}`);
  });

  it('lists and shows products without needing a key', async () => {
    const list = parseAs('ProductList', (await kikuai(['products', 'list', '--json'], { env: { KIKUAI_CONFIG_DIR: `${config.dir}-empty` } })).stdout);
    expect(list.data.map((product: { id: string }) => product.id)).toEqual(['reliapi', 'routellm', 'tiny']);
    const shown = await kikuai(['products', 'show', 'reliapi']);
    expect(shown.stdout).toContain('kikuai call reliapi llm');
    expect(shown.stdout).toContain(`POST ${world.server.url}/api/v1/proxy/reliapi/http`);
    expect(shown.stdout).toMatch(/Limits: 100000 requests per 60 s per account · request body up to 100 MiB · the answer must begin within 10 s/);
    parseAs('Product', (await kikuai(['products', 'show', 'reliapi', '--json'])).stdout);
  });

  it('logs out: the key is forgotten and commands say how to log in (exit 3)', async () => {
    const logout = await kikuai(['logout', '--json']);
    expect(JSON.parse(logout.stdout)).toEqual({ profile: 'default', removed: true });
    const balance = await kikuai(['balance']);
    expect(balance.code, balance.stderr).toBe(3);
    expect(balance.stderr).toBe('Error: Not logged in. Run `kikuai login`, or pass --api-key or set KIKUAI_API_KEY.\n');
  });
});
