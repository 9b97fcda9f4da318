/**
 * `kikuai admin stats` with the built binary against the real server, whose outbox feeds a
 * PostgreSQL database of this run's own (skipped without PostgreSQL, except under CI).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@kikuai/testkit';
import { createTestDatabase, skipPostgres, type TestDatabase } from '@kikuai/testkit/postgres';
import { parseAs } from './support/spec-schemas.js';
import { runCli, tempConfigDir } from './support/run-cli.js';

describe.skipIf(skipPostgres)('kikuai admin stats', { timeout: 120_000 }, () => {
  let database: TestDatabase;
  let server: TestServer;
  let config: ReturnType<typeof tempConfigDir>;
  let env: Record<string, string>;
  const kikuai = (args: string[]) => runCli(args, { env });

  beforeAll(async () => {
    database = await createTestDatabase();
    server = await startTestServer({ env: { DATABASE_URL: database.url, KIKUAI_OUTBOX_IDLE_MS: '50', KIKUAI_DEMO_PRODUCT: '1' } });
    config = tempConfigDir();
    env = { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: server.url, KIKUAI_ADMIN_TOKEN: server.adminToken };
  });
  afterAll(async () => {
    await server?.close();
    await database?.drop();
    config?.cleanup();
  });

  it('shows accounts, revenue, products and top accounts from PostgreSQL (--json is AdminStats)', async () => {
    const { account, apiKey } = await server.register();
    await server.credit(account.id, 1_000_000);
    for (const _ of [1, 2, 3]) {
      const call = await fetch(`${server.url}/api/v1/proxy/demo/echo`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(call.status).toBe(200);
    }
    // The drain runs in the background: wait until the calls are in PostgreSQL.
    for (let tries = 0; ; tries++) {
      const stats = await fetch(`${server.url}/api/v1/admin/stats`, { headers: { 'x-kikuai-admin-token': server.adminToken } });
      if (stats.status === 200 && ((await stats.json()) as { products: unknown[] }).products.length > 0) break;
      if (tries > 200) throw new Error('the calls never reached PostgreSQL');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }

    const json = await kikuai(['admin', 'stats', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const stats = parseAs('AdminStats', json.stdout);
    expect(stats.users.total).toBe(1);
    expect(stats.products).toEqual([{ product_id: 'demo', calls: 3, refunded_calls: 0, spend_micros: 300, spend_usd: '0.000300' }]);
    expect(stats.top_accounts).toEqual([{ account_id: account.id, calls: 3, spend_micros: 300, spend_usd: '0.000300' }]);

    const human = await kikuai(['admin', 'stats', '--top', '1']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('1 accounts in total');
    expect(human.stdout).toMatch(/demo\s+3\s+0\s+\$0\.0003/);
    expect(human.stdout + human.stderr).not.toContain(server.adminToken);
  });
});
