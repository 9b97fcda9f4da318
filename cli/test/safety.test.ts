/**
 * What a user notices when something is wrong or nobody is at the keyboard: one clear
 * line and a documented exit code, nothing saved that does not work, no prompt that
 * hangs a script, and shadowed credentials called out.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseAs } from './support/spec-schemas.js';
import { runCli, tempConfigDir } from './support/run-cli.js';
import { startWorld, type World } from './support/world.js';

describe('kikuai: errors, exit codes and prompts', { timeout: 120_000 }, () => {
  let world: World;
  let config: ReturnType<typeof tempConfigDir>;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => world?.close());
  afterEach(() => config?.cleanup());

  function kikuai(args: string[], options: Parameters<typeof runCli>[1] = {}) {
    config ??= tempConfigDir();
    return runCli(args, { ...options, env: { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: world.server.url, ...options.env } });
  }

  it('a wrong key exits 3 with one line saying what to do, and login saves nothing', async () => {
    config = tempConfigDir();
    const wrong = 'kik_' + 'x'.repeat(44);
    const balance = await kikuai(['balance', '--api-key', wrong]);
    expect(balance.code).toBe(3);
    expect(balance.stdout).toBe('');
    expect(balance.stderr.trim().split('\n')).toHaveLength(1);
    expect(balance.stderr).toMatch(/^Error: The API key is malformed .+\. \(invalid_api_key, request req_\S+\)\n$/);
    expect(balance.stderr).not.toContain(wrong);

    const login = await kikuai(['login', '--api-key', wrong]);
    expect(login.code).toBe(3);
    expect(existsSync(path.join(config.dir, 'credentials.json'))).toBe(false);
  });

  it('under --json an error leaves stdout empty and still exits with its code', async () => {
    config = tempConfigDir();
    const result = await kikuai(['whoami', '--json', '--api-key', 'kik_' + 'y'.repeat(44)]);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('(invalid_api_key, request ');
  });

  it('a call the balance does not cover exits 4 and says how to top up', async () => {
    config = tempConfigDir();
    const { apiKey } = await world.account(0);
    const calls = world.upstream.requests.length;
    const result = await kikuai(['call', 'reliapi', 'http', '--api-key', apiKey, '--data', '{}']);
    expect(result.code).toBe(4);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^Error: .*kikuai topup.*\(insufficient_balance, request \S+\)\n$/);
    expect(world.upstream.requests.length).toBe(calls);
  });

  it('a rate limit exits 5 and says when to retry', async () => {
    config = tempConfigDir();
    const { apiKey } = await world.account(1_000_000);
    world.upstream.handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    };
    expect((await kikuai(['call', 'tiny', 'echo', '--api-key', apiKey])).code).toBe(0);
    const limited = await kikuai(['call', 'tiny', 'echo', '--api-key', apiKey]);
    expect(limited.code).toBe(5);
    expect(limited.stdout).toBe('');
    expect(limited.stderr).toMatch(/^Error: .+ Retry after \d+ s\. \(rate_limited, request \S+\)\n$/);
  });

  it('without a terminal, revoke fails at once naming --yes and revokes nothing', async () => {
    config = tempConfigDir();
    const { apiKey, keyId } = await world.account(0);
    const result = await kikuai(['keys', 'revoke', keyId, '--api-key', apiKey], { keepStdinOpen: true, timeoutMs: 10_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`Error: Revoking ${keyId} needs confirmation, and stdin is not a terminal: pass --yes.\n`);
    const rotate = await kikuai(['keys', 'rotate', keyId, '--api-key', apiKey], { env: { CI: 'true' }, keepStdinOpen: true, timeoutMs: 10_000 });
    expect(rotate.code).toBe(2);
    expect(rotate.stderr).toContain('CI is set: pass --yes.');
    const key = parseAs('ApiKey', (await kikuai(['keys', 'show', keyId, '--api-key', apiKey, '--json'])).stdout);
    expect(key.status).toBe('active');
  });

  it('login without a key and without a terminal fails at once naming --api-key', async () => {
    config = tempConfigDir();
    const result = await kikuai(['login'], { input: '' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('pass --api-key');
  });

  it('a flag beats KIKUAI_API_KEY, which beats the saved key, and shadowing is never silent', async () => {
    config = tempConfigDir();
    const saved = await world.account(1_000_000);
    const fromEnv = await world.account(2_000_000);
    const fromFlag = await world.account(3_000_000);
    expect((await kikuai(['login', '--api-key', saved.apiKey])).code).toBe(0);

    const stored = await kikuai(['balance', '--json']);
    expect(stored.stderr).toBe('');
    expect(JSON.parse(stored.stdout).balance_micros).toBe(1_000_000);

    const env = await kikuai(['balance', '--json'], { env: { KIKUAI_API_KEY: fromEnv.apiKey } });
    expect(JSON.parse(env.stdout).balance_micros).toBe(2_000_000);
    expect(env.stderr).toBe(
      `Warning: using the API key from KIKUAI_API_KEY, not the one saved in profile "default" (${saved.apiKey.slice(0, 8)}…${saved.apiKey.slice(-4)}).\n`,
    );

    const flag = await kikuai(['balance', '--json', '--api-key', fromFlag.apiKey], { env: { KIKUAI_API_KEY: fromEnv.apiKey } });
    expect(JSON.parse(flag.stdout).balance_micros).toBe(3_000_000);
    expect(flag.stderr).toContain('Warning: using the API key from --api-key');
  });

  it('profiles keep several accounts apart', async () => {
    config = tempConfigDir();
    const personal = await world.account(1_000_000);
    const work = await world.account(4_000_000);
    expect((await kikuai(['login', '--api-key', personal.apiKey])).code).toBe(0);
    expect((await kikuai(['login', '--profile', 'work', '--api-key', work.apiKey])).code).toBe(0);
    // The last login is the default; --profile and KIKUAI_PROFILE pick another.
    expect(JSON.parse((await kikuai(['balance', '--json'])).stdout).balance_micros).toBe(4_000_000);
    expect(JSON.parse((await kikuai(['balance', '--json', '--profile', 'default'])).stdout).balance_micros).toBe(1_000_000);
    expect(JSON.parse((await kikuai(['balance', '--json'], { env: { KIKUAI_PROFILE: 'default' } })).stdout).balance_micros).toBe(1_000_000);
  });

  it('usage mistakes exit 2 and name the problem', async () => {
    config = tempConfigDir();
    const { apiKey } = await world.account(0);
    const amount = await kikuai(['topup', '--amount', '12.345678901', '--api-key', apiKey]);
    expect(amount.code).toBe(2);
    expect(amount.stderr).toBe(
      'Error: Invalid --amount: Expected a USD amount such as 10 or 12.50 (at most six decimals), got "12.345678901". See `kikuai topup --help`.\n',
    );
    const unknown = await kikuai(['balance', '--nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe('Error: Unknown flag --nope. See `kikuai balance --help`.\n');
    const body = await kikuai(['call', 'reliapi', 'http', '--api-key', apiKey, '--data', '{oops']);
    expect(body.code).toBe(2);
    expect(body.stderr).toMatch(/^Error: The body from --data is not valid JSON/);
  });

  it('an unreachable server is one line naming it, exit 1, no stack trace', async () => {
    config = tempConfigDir();
    const result = await kikuai(['balance', '--api-key', 'kik_' + 'z'.repeat(44), '--base-url', 'http://127.0.0.1:9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('Error: Could not reach http://127.0.0.1:9. Is it running? Point to another with --base-url or KIKUAI_BASE_URL.\n');

    const debug = await kikuai(['balance', '--api-key', 'kik_' + 'z'.repeat(44), '--base-url', 'http://127.0.0.1:9'], { env: { DEBUG: '1' } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^Error: Could not reach http:\/\/127\.0\.0\.1:9\..*\n.*KikuaiNetworkError[\s\S]*\n\s+at /);
  });

  it('--version and --help answer without a server; help lists exit codes and environment', async () => {
    config = tempConfigDir();
    const version = await kikuai(['--version']);
    expect(version.stdout).toMatch(/^kikuai\/0\.1\.0 /);
    const help = await kikuai(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('EXIT CODES');
    expect(help.stdout).toMatch(/4\s+payment required/);
    expect(help.stdout).toContain('KIKUAI_API_KEY');
    const topic = await kikuai(['help', 'keys']);
    expect(topic.stdout).toContain('keys rotate');
  });
});
