/**
 * When the API's store is down (a Redis of the test's own, killed), a command ends with
 * one line saying nothing was charged and when to retry, and exit code 6; once Redis is
 * back the same command works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOwnRedis, startTestServer, withOwnRedis, type OwnRedis, type TestServer } from '@kikuai/testkit';
import { runCli, tempConfigDir } from './support/run-cli.js';

describe.skipIf(!withOwnRedis())('kikuai while the API store is down', { timeout: 120_000 }, () => {
  let redis: OwnRedis;
  let server: TestServer;
  const config = tempConfigDir();

  beforeAll(async () => {
    redis = await startOwnRedis({ persistent: true });
    server = await startTestServer({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await server?.close();
    await redis?.stop();
    config.cleanup();
  });

  it('exits 6 with one line, and works again once Redis is back', async () => {
    const { apiKey } = await server.register();
    const kikuai = (args: string[]) => runCli(args, { env: { KIKUAI_CONFIG_DIR: config.dir, KIKUAI_BASE_URL: server.url, KIKUAI_API_KEY: apiKey } });
    expect((await kikuai(['balance'])).code).toBe(0);

    await redis.kill();
    const down = await kikuai(['balance']);
    expect(down.code).toBe(6);
    expect(down.stdout).toBe('');
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/^Error: kikuai is briefly unavailable .*Nothing was charged\. Retry after 3 s\. \(store_unavailable, request \S+\)\n$/);

    await redis.start();
    let back = await kikuai(['balance']);
    for (let attempt = 0; back.code !== 0 && attempt < 5; attempt++) back = await kikuai(['balance']);
    expect(back.code).toBe(0);
  });
});
