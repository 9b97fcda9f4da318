/**
 * The server on a Redis Cluster, as an operator points it there: `npm start`'s launcher with
 * `REDIS_URL` naming one node of a three-master cluster and `REDIS_CLUSTER=true`. Accounts
 * spread over the nodes (each in its own hash slot); concurrent metered calls, credits and a
 * revocation each land on their account alone, and the money adds up on every one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@kikuai/testkit';
import { startOwnRedisCluster, withOwnRedisCluster, type OwnRedisCluster } from '@kikuai/testkit/redis-cluster';
import { launch, stop, type Launched } from '../support/launcher.js';

const ADMIN_TOKEN = 'adm_cluster_test_0123456789abcdef';
const ACCOUNTS = 9;
const CALLS_PER_ACCOUNT = 12;

describe.skipIf(!withOwnRedisCluster())('the server on a three-master Redis Cluster', () => {
  let cluster: OwnRedisCluster;
  let launched: Launched;
  let base: string;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-cluster-'));

  beforeAll(async () => {
    cluster = await startOwnRedisCluster();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    launched = await launch(
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        KIKUAI_DATA_DIR: dataDir,
        REDIS_URL: cluster.urls[1]!, // any node will do: the others are discovered
        REDIS_CLUSTER: 'true',
        KIKUAI_ADMIN_TOKEN: ADMIN_TOKEN,
        KIKUAI_DEMO_PRODUCT: '1',
        KIKUAI_LOG_LEVEL: 'warn',
      },
      'kikuai API listening',
    );
  }, 60_000);

  afterAll(async () => {
    await stop(launched?.child);
    await cluster?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const operator = { 'content-type': 'application/json', 'x-kikuai-admin-token': ADMIN_TOKEN };
  const post = (url: string, headers: Record<string, string>, body: unknown) => fetch(`${base}${url}`, { method: 'POST', headers, body: JSON.stringify(body) });

  it('says it runs on the cluster and is ready', async () => {
    expect(launched.output()).toContain(`Redis Cluster at ${new URL(cluster.urls[1]!).host}`);
    expect(await (await fetch(`${base}/readyz`)).json()).toMatchObject({ status: 'ready', store: { kind: 'redis', ok: true } });
  });

  it('meters concurrent calls of accounts spread over every node, each balance adding up', async () => {
    const price = ((await (await fetch(`${base}/api/v1/products/demo`)).json()) as { endpoints: Array<{ id: string; price_micros: number }> }).endpoints.find(
      (endpoint) => endpoint.id === 'echo',
    )!.price_micros;
    const accounts = await Promise.all(
      Array.from({ length: ACCOUNTS }, async (_, i) => {
        const created = (await (await post('/api/v1/admin/accounts', operator, { name: `node-${i}` })).json()) as {
          account: { id: string };
          api_key: { id: string; secret: string };
        };
        expect((await post(`/api/v1/admin/accounts/${created.account.id}/credit`, operator, { amount_micros: 1_000_000, reason: 'cluster test' })).status).toBe(
          200,
        );
        return created;
      }),
    );
    const calls = accounts.flatMap((account) =>
      Array.from({ length: CALLS_PER_ACCOUNT }, (_, n) =>
        post('/api/v1/proxy/demo/echo', { 'content-type': 'application/json', authorization: `Bearer ${account.api_key.secret}` }, { n }),
      ),
    );
    expect((await Promise.all(calls)).map((response) => response.status)).toEqual(calls.map(() => 200));

    for (const account of accounts) {
      const auth = { authorization: `Bearer ${account.api_key.secret}` };
      const balance = (await (await fetch(`${base}/api/v1/balance`, { headers: auth })).json()) as { balance_micros: number };
      expect(balance.balance_micros).toBe(1_000_000 - CALLS_PER_ACCOUNT * price);
      const history = (await (await fetch(`${base}/api/v1/history?limit=100`, { headers: auth })).json()) as { data: Array<{ kind: string }> };
      expect(history.data.filter((entry) => entry.kind === 'debit')).toHaveLength(CALLS_PER_ACCOUNT);
    }

    // A revocation on one node stops that key at once and touches no other account.
    const [first, second] = accounts as [(typeof accounts)[0], (typeof accounts)[0]];
    const revoked = await fetch(`${base}/api/v1/api_keys/${first.api_key.id}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${first.api_key.secret}` },
    });
    expect(revoked.status).toBeLessThan(300);
    expect((await fetch(`${base}/api/v1/balance`, { headers: { authorization: `Bearer ${first.api_key.secret}` } })).status).toBe(401);
    expect((await fetch(`${base}/api/v1/balance`, { headers: { authorization: `Bearer ${second.api_key.secret}` } })).status).toBe(200);
  }, 60_000);
});
