/**
 * `kikuai admin …` with the built binary against the real server (real port, SQLite):
 * the admin token from the flag or the environment, never printed; --json output that
 * matches the spec; one-line errors with the documented exit codes.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '@kikuai/testkit';
import { parseAs } from './support/spec-schemas.js';
import { runCli, tempConfigDir } from './support/run-cli.js';

describe('kikuai admin', { timeout: 120_000 }, () => {
  let server: TestServer;
  let config: ReturnType<typeof tempConfigDir>;
  let env: Record<string, string>;
  const kikuai = (args: string[], extra: Record<string, string | undefined> = {}) => runCli(args, { env: { ...env, ...extra } });

  beforeAll(async () => {
    server = await startTestServer();
    config = tempConfigDir();
    env = { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: server.url, KIKUAI_ADMIN_TOKEN: server.adminToken };
  });
  afterAll(async () => {
    await server?.close();
    config?.cleanup();
  });

  it('creates an account (--json is an AdminCreatedAccount) and credits it; the token is never printed', async () => {
    const created = await kikuai(['admin', 'accounts', 'create', '--name', 'ci', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { account, api_key: key } = parseAs('AdminCreatedAccount', created.stdout);
    expect(account.first_name).toBe('ci');
    expect(account.telegram_id).toBeLessThan(0);

    const credit = await kikuai(['admin', 'credit', account.id, '2.50']);
    expect(credit.code, credit.stderr).toBe(0);
    expect(credit.stdout).toContain(`Credited $2.50 to ${account.id}: the balance is $2.50.`);

    const balance = await kikuai(['balance', '--json'], { KIKUAI_API_KEY: key.secret });
    expect(parseAs('Balance', balance.stdout).balance_micros).toBe(2_500_000);
    for (const output of [created, credit]) expect(output.stdout + output.stderr).not.toContain(server.adminToken);
  });

  it('--login saves the new key to the profile, and prints no secret', async () => {
    const created = await kikuai(['admin', 'accounts', 'create', '--name', 'dev', '--login']);
    expect(created.code, created.stderr).toBe(0);
    const accountId = /Created account (acc_\w+)/.exec(created.stdout)?.[1];
    const saved = JSON.parse(readFileSync(path.join(config.dir, 'credentials.json'), 'utf8')) as {
      profiles: Record<string, { api_key: string; account_id: string }>;
    };
    expect(saved.profiles.default!.account_id).toBe(accountId);
    expect(created.stdout).not.toContain(saved.profiles.default!.api_key);

    const whoami = await kikuai(['whoami', '--json']);
    expect(parseAs('Me', whoami.stdout).account.id).toBe(accountId);
  });

  it('says in one line what is wrong: no token (3), a wrong token (3), a bad amount (2)', async () => {
    const missing = await kikuai(['admin', 'accounts', 'create', '--name', 'x'], { KIKUAI_ADMIN_TOKEN: undefined });
    expect(missing.code).toBe(3);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('--admin-token');

    const wrong = await kikuai(['admin', 'credit', 'acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J', '1', '--admin-token', 'not-the-admin-token-at-all']);
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).toContain('invalid_admin_token');
    expect(wrong.stderr).not.toContain('not-the-admin-token-at-all');

    const amount = await kikuai(['admin', 'credit', 'acc_01JD6Z4T0Q8X9W2V3B4N5M6K7J', '0']);
    expect(amount.code).toBe(2);
    expect(amount.stderr).toContain('positive USD amount');
  });
});
