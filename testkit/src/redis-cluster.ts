/**
 * A three-master Redis Cluster of the test's own: three `redis-server --cluster-enabled yes`
 * on free loopback ports, joined by `redis-cli --cluster create`. The store's contract suite
 * runs against it, so the claim that every script keeps its keys in one slot is proven by
 * Redis itself (a cross-slot script fails with CROSSSLOT), not by a layout test.
 * Needs `redis-server` and `redis-cli` on the PATH (Debian's redis-server and redis-tools).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './http.js';
import { redisCommand } from './redis-process.js';

export const redisClusterAvailable =
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0 && spawnSync('redis-cli', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs a cluster suite when the binaries exist, or always under CI (where their absence must fail). */
export function withOwnRedisCluster(): boolean {
  if (redisClusterAvailable || process.env.CI) return true;
  console.warn('redis-server/redis-cli are not on the PATH: the Redis Cluster suites are skipped (set CI to make this a failure).');
  return false;
}

export interface OwnRedisCluster {
  /** The seed nodes, `redis://127.0.0.1:<port>` each; any one is enough to discover the rest. */
  urls: string[];
  ports: number[];
  /** Kills every node and removes their directories. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`Redis Cluster: ${what} within ${timeoutMs / 1000} s`);
    await sleep(50);
  }
}

/** Starts `masters` cluster nodes (default three, the smallest cluster Redis accepts) and forms the cluster. */
export async function startOwnRedisCluster(masters = 3): Promise<OwnRedisCluster> {
  const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-redis-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  const stop = async () => {
    await Promise.all(
      children
        .filter((child) => child.exitCode === null)
        .map((child) => {
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGKILL');
          return exited;
        }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      const port = await freePort();
      const nodeDir = path.join(dir, String(port));
      mkdirSync(nodeDir); // a directory per node: each keeps its own nodes.conf
      ports.push(port);
      children.push(
        spawn(
          'redis-server',
          [
            '--port',
            String(port),
            '--bind',
            '127.0.0.1',
            '--cluster-enabled',
            'yes',
            '--cluster-config-file',
            'nodes.conf',
            '--cluster-node-timeout',
            '5000',
            '--dir',
            nodeDir,
            '--save',
            '',
            '--appendonly',
            'no',
            '--logfile',
            'redis.log',
          ],
          { stdio: 'ignore' },
        ),
      );
    }
    for (const port of ports) await waitFor(`node ${port} did not answer PING`, async () => (await redisCommand(port, 'PING')) === '+PONG');
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stderr || create.stdout}`);
    for (const port of ports)
      await waitFor(`node ${port} did not reach cluster_state:ok`, async () => (await redisCommand(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok'));
    return { urls: ports.map((port) => `redis://127.0.0.1:${port}`), ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
