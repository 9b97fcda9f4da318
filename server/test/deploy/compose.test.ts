/**
 * docker-compose.yml is for deployment; no Docker engine runs here. So this test runs
 * each service's command natively, with the service's environment pointed at local
 * stand-ins: the API's command on the Redis the tests use, and nginx with
 * deploy/nginx.conf in front of it. Needs the build (`npm test` builds first) and nginx
 * (`.ci/run` installs it; without it, and without CI set, that part is skipped).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REDIS_URL } from '@kikuai/testkit/stores';
import { freePort } from '@kikuai/testkit/http';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { command: string[]; environment?: Record<string, string> }>;
};
const nginxBinary = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((candidate) => existsSync(candidate));

async function waitFor(url: string, timeoutMs = 20_000): Promise<Response> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return response;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  throw new Error(`${url} did not answer in time: ${String(lastError)}`);
}

/** The compose environment with `${VAR:-default}` resolved from `values` or the default. */
function resolveEnvironment(environment: Record<string, string>, values: Record<string, string>): Record<string, string> {
  const resolved: Record<string, string> = {};
  for (const [name, raw] of Object.entries(environment)) {
    resolved[name] = String(raw).replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_match, variable: string, fallback?: string) => values[variable] ?? fallback ?? '');
  }
  return resolved;
}

describe('docker-compose.yml services, run natively', () => {
  const secrets = {
    KIKUAI_BOT_SERVICE_TOKEN: `svc_${randomBytes(12).toString('hex')}`,
    KIKUAI_ADMIN_TOKEN: `adm_${randomBytes(12).toString('hex')}`,
    TELEGRAM_BOT_TOKEN: '7000000001:AAdeploy-test-token-not-real-xx',
  };
  const prefix = uniqueRedisPrefix('kikuai-deploy-test');
  let api: ChildProcess | undefined;
  let apiPort = 0;
  let apiOutput = '';

  beforeAll(async () => {
    const entry = path.join(root, compose.services.api!.command[1]!);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does).`);
    apiPort = await freePort();
    const environment = resolveEnvironment(compose.services.api!.environment ?? {}, secrets);
    api = spawn(compose.services.api!.command[0]!, compose.services.api!.command.slice(1), {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        ...environment,
        PORT: String(apiPort),
        HOST: '127.0.0.1',
        REDIS_URL: REDIS_URL,
        KIKUAI_REDIS_PREFIX: prefix,
        KIKUAI_LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    api.stdout!.on('data', (chunk) => (apiOutput += String(chunk)));
    api.stderr!.on('data', (chunk) => (apiOutput += String(chunk)));
    await waitFor(`http://127.0.0.1:${apiPort}/readyz`);
  });

  afterAll(async () => {
    if (api && api.exitCode === null) api.kill('SIGKILL');
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it('the containers bind every interface explicitly (the server alone binds loopback)', () => {
    expect(compose.services.api!.environment?.HOST).toBe('0.0.0.0');
    expect(readFileSync(path.join(root, 'Dockerfile'), 'utf8')).toMatch(/^ENV HOST=0\.0\.0\.0$/m);
  });

  it('Redis writes every acknowledged change to disk before it answers (appendfsync always), and the API gets the operator settings', () => {
    const redis = (compose.services.redis!.command ?? []).join(' ');
    expect(redis).toMatch(/--appendonly yes/);
    expect(redis).toMatch(/--appendfsync always/);
    const environment = compose.services.api!.environment ?? {};
    for (const name of ['KIKUAI_OPERATOR_CHAT_ID', 'KIKUAI_MAX_BALANCE_MICROS', 'KIKUAI_IDEMPOTENCY_SECRET', 'KIKUAI_ADMIN_TOKEN'])
      expect(environment).toHaveProperty(name);
  });

  it('the API service starts on Redis, is ready, and says where it listens without leaking secrets', async () => {
    const ready = await (await fetch(`http://127.0.0.1:${apiPort}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', store: { kind: 'redis', ok: true } });
    expect(apiOutput).toContain(`kikuai API listening on http://127.0.0.1:${apiPort}`);
    // The bot is its own service here: the API's own entry never starts it.
    expect(apiOutput).toMatch(/bot:\s+not in this process/);
    for (const secret of Object.values(secrets)) expect(apiOutput).not.toContain(secret);
  });

  it.skipIf(!nginxBinary && !process.env.CI)('nginx with deploy/nginx.conf serves the API (and the Mini App) in front of it', async () => {
    if (!nginxBinary) throw new Error('nginx is not installed (CI installs it in .ci/run)');
    const work = mkdtempSync(path.join(tmpdir(), 'kikuai-nginx-'));
    mkdirSync(path.join(work, 'logs'));
    const nginxPort = await freePort();
    const botPort = await freePort();
    // nginx's workers run as an unprivileged user: they are given a readable copy of the
    // Mini App, wherever this checkout lives (a fresh clone may sit in a 0700 directory).
    chmodSync(work, 0o755);
    const builtWebapp = path.join(root, 'miniapp/dist');
    const webappDir = path.join(work, 'webapp');
    if (existsSync(builtWebapp)) cpSync(builtWebapp, webappDir, { recursive: true });
    const config = readFileSync(path.join(root, 'deploy/nginx.conf'), 'utf8')
      .replace('server api:8000', `server 127.0.0.1:${apiPort}`)
      .replace('proxy_pass http://bot:8081;', `proxy_pass http://127.0.0.1:${botPort};`)
      .replace('listen 80;', `listen 127.0.0.1:${nginxPort};`)
      .replace('alias /var/www/webapp/;', `alias ${webappDir}/;`)
      .replace('pid /tmp/kikuai-nginx.pid;', `pid ${work}/nginx.pid;`)
      .replace('access_log /dev/stdout;', `access_log ${work}/logs/access.log;`)
      .replace('error_log /dev/stderr warn;', `error_log ${work}/logs/error.log warn;`);
    writeFileSync(path.join(work, 'nginx.conf'), config);
    const check = spawnSync(nginxBinary, ['-t', '-p', work, '-c', path.join(work, 'nginx.conf'), '-e', `${work}/logs/error.log`], { encoding: 'utf8' });
    expect(check.status, check.stderr).toBe(0);
    const nginx = spawn(nginxBinary, ['-p', work, '-c', path.join(work, 'nginx.conf'), '-e', `${work}/logs/error.log`, '-g', 'daemon off;'], {
      stdio: 'ignore',
    });
    try {
      const health = await waitFor(`http://127.0.0.1:${nginxPort}/healthz`);
      expect(await health.json()).toMatchObject({ status: 'ok' });
      // The platform's metrics are for Prometheus on the internal network, not the public side.
      expect((await fetch(`http://127.0.0.1:${nginxPort}/metrics`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${apiPort}/metrics`)).status).toBe(200);
      const products = await fetch(`http://127.0.0.1:${nginxPort}/api/v1/products`);
      expect(products.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id, carried through
      if (existsSync(path.join(webappDir, 'index.html'))) {
        const page = await fetch(`http://127.0.0.1:${nginxPort}/webapp/`);
        expect(page.status).toBe(200);
        expect(await page.text()).toMatch(/<html/i);
      }
    } finally {
      nginx.kill('SIGTERM');
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('the API shuts down gracefully on SIGTERM', async () => {
    const exited = new Promise<number | null>((resolve) => api!.once('exit', (code) => resolve(code)));
    api!.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(apiOutput).toContain('shutting down');
  });

  it('the bot service has a built entry point', () => {
    expect(existsSync(path.join(root, compose.services.bot!.command[1]!))).toBe(true);
  });
});
