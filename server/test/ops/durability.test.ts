/**
 * Nothing acknowledged is lost (issue 18, item 1). A Redis of the test's own, started with
 * the deployment's own persistence flags (read from docker-compose.yml: AOF,
 * `appendfsync always`), under the real server. Paddle credits (signed webhooks), Stars
 * payments (the bot's reports) and key revocations are acknowledged; Redis is killed with
 * SIGKILL right after the last answer; then:
 *
 *  - crash: Redis restarts on the same directory, and every acknowledged credit and
 *    revocation is there;
 *  - lost host: a Redis started on a copy of the directory whose append-only file is cut
 *    back to its size when the last acknowledgement arrived. With `appendfsync always`
 *    Redis writes and fsyncs a change before it answers, so that size is what the disk
 *    held; what came later (batched usage, key touches) is what a host that died then
 *    would lose. Every acknowledged credit and revocation is there too. (Under `everysec`
 *    the disk may hold only the file of up to a second earlier, which is why the
 *    deployment runs `always`; this test reads the flag from docker-compose.yml and
 *    refuses any other.)
 *
 * Checked with a fresh store (no cache of the running server can stand in for the data)
 * and through the API: balances, Σ ledger, completed top-ups, revoked keys refused.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createStore, type Store } from '@kikuai/server';
import { freePort } from '@kikuai/testkit/http';
import { redisCommand, withOwnRedis } from '@kikuai/testkit';
import { startPaymentsWorld, type PaymentsWorld } from '../payments/support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** The redis service's flags in docker-compose.yml, less the program name. */
const deploymentFlags = (
  parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: { redis: { command: string[] } } }
).services.redis.command.slice(1);

const PADDLE_CREDITS = 4;
const STARS_PAYMENTS = 4;
const REVOCATIONS = 4;

/** redis-server with the deployment's flags, on a port and directory of the test's. */
class DeploymentRedis {
  private child: ChildProcess | null = null;
  constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  get url() {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      [...deploymentFlags, '--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--logfile', path.join(this.dir, 'redis.log')],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${readFileSync(path.join(this.dir, 'redis.log'), 'utf8')}`);
      if ((await redisCommand(this.port, 'PING').catch(() => '')) === '+PONG') return;
      if (Date.now() > deadline) throw new Error('redis-server did not answer PING within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** The append-only file Redis is writing now (Redis 7 keeps a base and an incremental file in appendonlydir/). */
  incrementalAof(): string {
    const aofDir = path.join(this.dir, 'appendonlydir');
    const file = readdirSync(aofDir).find((name) => name.endsWith('.incr.aof'));
    if (!file) throw new Error(`no incremental AOF in ${aofDir}: ${readdirSync(aofDir).join(', ')}`);
    return path.join(aofDir, file);
  }
}

interface Acknowledged {
  accountId: string;
  apiKey: string;
  balanceMicros: number;
  topupIds: string[];
  ledgerRefs: string[];
  revoked: Array<{ keyId: string; secret: string }>;
}

describe.skipIf(!withOwnRedis())('acknowledged money changes and revocations survive Redis being killed, and its host being lost', () => {
  const dirs: string[] = [];
  let redis: DeploymentRedis;
  let world: PaymentsWorld;
  let acknowledged: Acknowledged;
  /** The lost host's disk: the directory copied after the kill, before any restart wrote to it. */
  let lostHostDir = '';
  let aofSizeAtLastAck = 0;

  beforeAll(async () => {
    expect(deploymentFlags.join(' ')).toMatch(/--appendonly yes.*--appendfsync always|--appendfsync always.*--appendonly yes/);
    const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-durability-'));
    dirs.push(dir);
    redis = new DeploymentRedis(await freePort(), dir);
    await redis.start();
    world = await startPaymentsWorld({ store: 'redis', env: { REDIS_URL: redis.url } });

    const user = await world.register();
    acknowledged = { accountId: user.accountId, apiKey: user.apiKey, balanceMicros: 0, topupIds: [], ledgerRefs: [], revoked: [] };
    const noteAck = () => (aofSizeAtLastAck = statSync(redis.incrementalAof()).size);

    // Paddle: a top-up each, credited by its signed transaction.completed, answered 200.
    for (let index = 0; index < PADDLE_CREDITS; index++) {
      const amount = (index + 1) * 1_000_000;
      const { topup, transactionId } = await world.paddleTopup(user.apiKey, amount);
      const delivered = await world.paddle.deliver(world.webhookUrl, world.paddle.completeTransaction(transactionId));
      noteAck();
      expect(delivered.status).toBe(200);
      expect(JSON.parse(delivered.body)).toMatchObject({ outcome: 'credited' });
      acknowledged.balanceMicros += amount;
      acknowledged.topupIds.push(topup.id);
      acknowledged.ledgerRefs.push(`paddle:${transactionId}`);
    }

    // Stars: the bot reports each successful_payment; the answer says it was applied.
    for (let index = 0; index < STARS_PAYMENTS; index++) {
      const created = await world.call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 2_000_000 } });
      expect(created.status, created.text).toBe(201);
      const chargeId = `durability-charge-${index}`;
      const reported = await world.call('POST', '/api/v1/payment/stars/payments', {
        auth: user.bot,
        body: {
          invoice_payload: created.body.id,
          currency: 'XTR',
          total_amount: created.body.stars,
          telegram_payment_charge_id: chargeId,
          provider_payment_charge_id: '',
        },
      });
      noteAck();
      expect(reported.status, reported.text).toBe(200);
      expect(reported.body.applied).toBe(true);
      acknowledged.balanceMicros += created.body.amount_micros;
      acknowledged.topupIds.push(created.body.id);
      acknowledged.ledgerRefs.push(`stars:${chargeId}`);
    }

    // Revocations: keys made and revoked, each answered.
    for (let index = 0; index < REVOCATIONS; index++) {
      const created = await world.call('POST', '/api/v1/api_keys', { auth: { apiKey: user.apiKey }, body: { name: `revoked-${index}` } });
      expect(created.status, created.text).toBe(201);
      const revoked = await world.call('DELETE', `/api/v1/api_keys/${created.body.id}`, { auth: { apiKey: user.apiKey } });
      noteAck();
      expect(revoked.status, revoked.text).toBeLessThan(300);
      acknowledged.revoked.push({ keyId: created.body.id, secret: created.body.secret });
    }

    // Right after the last answer: no shutdown, no final write.
    await redis.kill();
    lostHostDir = mkdtempSync(path.join(tmpdir(), 'kikuai-lost-host-'));
    dirs.push(lostHostDir);
    cpSync(dir, lostHostDir, { recursive: true });
  });

  afterAll(async () => {
    await world?.close();
    await redis?.kill();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  /** Everything acknowledged, read by a store with nothing cached, and through the running API. */
  async function expectEverythingAcknowledged() {
    const fresh: Store = createStore({ redisUrl: redis.url, keyPrefix: world.server.config.redisKeyPrefix });
    try {
      const account = (await fresh.getAccount(acknowledged.accountId))!;
      expect(account.balance_micros).toBe(acknowledged.balanceMicros);
      expect(await fresh.sumLedger(acknowledged.accountId)).toBe(acknowledged.balanceMicros);
      for (const ref of acknowledged.ledgerRefs) expect(await fresh.findLedgerEntry(acknowledged.accountId, ref), ref).not.toBeNull();
      for (const topupId of acknowledged.topupIds) expect((await fresh.getTopup(topupId))?.status, topupId).toBe('completed');
      const live = new Set((await fresh.listKeys(acknowledged.accountId)).map((key) => key.id));
      for (const { keyId } of acknowledged.revoked) {
        expect(live.has(keyId), keyId).toBe(false);
        expect(await fresh.getKey(acknowledged.accountId, keyId)).toBeNull();
      }
    } finally {
      await fresh.close();
    }
    // The running server, reconnected: the balance it serves, and each revoked key refused.
    const deadline = Date.now() + 15_000;
    while ((await fetch(`${world.server.url}/readyz`)).status !== 200) {
      if (Date.now() > deadline) throw new Error('the server did not become ready again');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const balance = await world.call('GET', '/api/v1/balance', { auth: { apiKey: acknowledged.apiKey } });
    expect(balance.body.balance_micros).toBe(acknowledged.balanceMicros);
    for (const { secret } of acknowledged.revoked) expect((await world.call('GET', '/api/v1/balance', { auth: { apiKey: secret } })).status).toBe(401);
    // The account count behind the kikuai_accounts gauge was written with the registration too.
    expect((await world.call('GET', '/metrics')).text).toMatch(/^kikuai_accounts 1$/m);
  }

  it('after kill -9 and a restart on the same directory, every acknowledged credit and revocation is there', async () => {
    await redis.start();
    await expectEverythingAcknowledged();
  });

  it('on a lost host — the append-only file cut back to what was on disk at the last acknowledgement — every one is there too', async () => {
    await redis.kill();
    const lostHost = new DeploymentRedis(redis.port, lostHostDir);
    const aof = lostHost.incrementalAof();
    const written = statSync(aof).size;
    expect(aofSizeAtLastAck).toBeGreaterThan(0);
    expect(written).toBeGreaterThanOrEqual(aofSizeAtLastAck);
    truncateSync(aof, aofSizeAtLastAck);
    redis = lostHost;
    await redis.start();
    await expectEverythingAcknowledged();
  });
});
