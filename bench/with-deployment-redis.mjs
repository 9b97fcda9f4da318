#!/usr/bin/env node
// Runs a benchmark against a Redis started with the deployment's persistence flags (the
// `redis` service's command in docker-compose.yml: AOF with `appendfsync always`), so
// that its cost on the proxy path can be reported beside today's figures, which run on
// the shared test Redis (no AOF, `.ci/run`). A throwaway redis-server on a free port and
// a temporary directory (on this machine's disk: the figure depends on its fsync), gone
// afterwards.
//
//   npm run build -w @kikuai/server -w @kikuai/testkit
//   BENCH_STORES=redis node bench/with-deployment-redis.mjs bench/proxy.mjs [its options]
//
// Every argument after the script is passed to it; REDIS_URL points it at this Redis.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [script, ...args] = process.argv.slice(2);
if (!script) {
  console.error('usage: node bench/with-deployment-redis.mjs bench/proxy.mjs [options]');
  process.exit(2);
}
const flags = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')).services.redis.command.slice(1);

const port = await new Promise((resolve, reject) => {
  const server = createServer().once('error', reject);
  server.listen(0, '127.0.0.1', () => {
    const { port: free } = server.address();
    server.close(() => resolve(free));
  });
});
const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-bench-redis-'));
const redis = spawn('redis-server', [...flags, '--port', String(port), '--bind', '127.0.0.1', '--dir', dir], { stdio: 'ignore' });
const stopRedis = () => {
  if (redis.exitCode === null) redis.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
};
process.once('SIGINT', () => {
  stopRedis();
  process.exit(130);
});

const { Redis } = await import('ioredis');
const probe = new Redis(`redis://127.0.0.1:${port}`, { lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
await probe.connect().catch(() => {});
await probe.ping();
const persistence = await probe.config('GET', 'appendfsync');
await probe.quit();
console.log(`Redis as deployed on 127.0.0.1:${port} (${flags.join(' ')}; appendfsync ${persistence[1]}), data in ${dir}`);

const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit', env: { ...process.env, REDIS_URL: `redis://127.0.0.1:${port}` } });
const code = await new Promise((resolve) => child.once('exit', (exitCode) => resolve(exitCode ?? 1)));
await new Promise((resolve) => {
  redis.once('exit', resolve);
  stopRedis();
});
process.exit(code);
