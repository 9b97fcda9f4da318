/**
 * docker-compose.yml is for deployment; no Docker engine runs here. So this test runs
 * each service's command natively, with the service's environment pointed at local
 * stand-ins: two instances of the API's command on the Redis the tests use, the bot's
 * command taking Telegram's updates by webhook, and nginx with deploy/nginx.conf in front
 * of them over HTTPS, with a certificate the test makes with `openssl`. Through nginx: a
 * user's /start reaches the bot (webhook), which registers them and hands them a key; a
 * streamed proxied call with that key; a Paddle top-up credited by a signed webhook; the
 * Mini App's page and its pre-compressed assets. Needs the build (`npm test` builds first),
 * nginx and openssl (`.ci/run` installs nginx; without it, and without CI set, the nginx
 * part is skipped).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { Agent, fetch as tlsFetch } from 'undici';
import { REDIS_URL } from '@kikuai/testkit/stores';
import { freePort, gate, startRecordingServer, type RecordingServer } from '@kikuai/testkit/http';
import { deleteRedisPrefix, uniqueRedisPrefix } from '@kikuai/testkit/redis';
import { startFakePaddle, startFakeTelegram, writeTestProductsFile, type FakePaddle, type FakeTelegram } from '@kikuai/testkit';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, { command: string[]; environment?: Record<string, string>; ports?: string[]; volumes?: string[] }>;
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

interface Service {
  child: ChildProcess;
  output: () => string;
}

/** Runs a compose service's command natively with its resolved environment and `overrides`. */
function runService(name: string, values: Record<string, string>, overrides: Record<string, string>): Service {
  const service = compose.services[name]!;
  let output = '';
  const child = spawn(service.command[0]!, service.command.slice(1), {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...resolveEnvironment(service.environment ?? {}, values), ...overrides },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += String(chunk)));
  child.stderr.on('data', (chunk) => (output += String(chunk)));
  return { child, output: () => output };
}

async function waitForOutput(service: Service, text: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!service.output().includes(text)) {
    if (service.child.exitCode !== null) throw new Error(`exited with ${service.child.exitCode}:\n${service.output()}`);
    if (Date.now() > deadline) throw new Error(`"${text}" did not appear in time:\n${service.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function kill(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

/** An upstream for the `reliapi` test product: `/proxy/llm` streams two events, the second only once the test has read the first. */
function streamingUpstream(secondEvent: { promise: Promise<void> }) {
  return startRecordingServer(async (request, response: ServerResponse) => {
    if (request.url.pathname !== '/proxy/llm') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    response.write('data: {"token":"first"}\n\n');
    await secondEvent.promise;
    response.end('data: {"token":"second"}\n\ndata: [DONE]\n\n');
  });
}

describe('docker-compose.yml services, run natively', () => {
  const secrets = {
    KIKUAI_BOT_SERVICE_TOKEN: `svc_${randomBytes(12).toString('hex')}`,
    KIKUAI_ADMIN_TOKEN: `adm_${randomBytes(12).toString('hex')}`,
    KIKUAI_IDEMPOTENCY_SECRET: randomBytes(24).toString('hex'),
    TELEGRAM_BOT_TOKEN: '7000000001:AAdeploy-test-token-not-real-xx',
    TELEGRAM_WEBHOOK_SECRET: `tg_${randomBytes(12).toString('hex')}`,
    RELIAPI_API_KEY: `rel_${randomBytes(12).toString('hex')}`,
  };
  const prefix = uniqueRedisPrefix('kikuai-deploy-test');
  const secondEvent = gate();
  let telegram: FakeTelegram;
  let paddle: FakePaddle;
  let upstream: RecordingServer;
  const apis: Array<Service & { port: number }> = [];

  beforeAll(async () => {
    const entry = path.join(root, compose.services.api!.command[1]!);
    if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first (npm test does).`);
    telegram = await startFakeTelegram();
    paddle = await startFakePaddle();
    upstream = await streamingUpstream(secondEvent);
    const productsFile = writeTestProductsFile();
    // Two API instances, as `docker compose up --scale api=2` runs them, on one Redis.
    for (let index = 0; index < 2; index++) {
      const port = await freePort();
      const api = runService(
        'api',
        { ...secrets, ...paddle.env, RELIAPI_URL: upstream.url },
        {
          PORT: String(port),
          HOST: '127.0.0.1',
          REDIS_URL: REDIS_URL,
          KIKUAI_REDIS_PREFIX: prefix,
          KIKUAI_LOG_LEVEL: 'info',
          KIKUAI_PRODUCTS_FILE: productsFile,
          TELEGRAM_API_ROOT: telegram.apiRoot,
          PADDLE_API_URL: paddle.env.PADDLE_API_URL!,
        },
      );
      apis.push({ ...api, port });
    }
    // Generous: the machine running the suite may be busy (two cores, several suites).
    for (const api of apis)
      await waitFor(`http://127.0.0.1:${api.port}/readyz`, 45_000).catch((error: Error) => {
        throw new Error(`${error.message}\n${api.output()}`);
      });
  });

  afterAll(async () => {
    for (const api of apis) await kill(api.child);
    await telegram?.close();
    await paddle?.close();
    await upstream?.close();
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

  it('nginx publishes 80 and 443, with certificates from a mounted folder; Prometheus, Alertmanager and Grafana are services', () => {
    expect(compose.services.nginx!.ports).toEqual(expect.arrayContaining([expect.stringMatching(/^"?80:80/), expect.stringMatching(/^"?443:443/)]));
    expect(compose.services.nginx!.volumes!.some((volume) => volume.endsWith(':/etc/nginx/tls:ro'))).toBe(true);
    for (const name of ['prometheus', 'alertmanager', 'grafana']) expect(compose.services).toHaveProperty(name);
  });

  it('the API service starts on Redis, is ready, and says where it listens without leaking secrets', async () => {
    const ready = await (await fetch(`http://127.0.0.1:${apis[0]!.port}/readyz`)).json();
    expect(ready).toMatchObject({ status: 'ready', store: { kind: 'redis', ok: true } });
    expect(apis[0]!.output()).toContain(`kikuai API listening on http://127.0.0.1:${apis[0]!.port}`);
    // The bot is its own service here: the API's own entry never starts it.
    expect(apis[0]!.output()).toMatch(/bot:\s+not in this process/);
    for (const secret of Object.values(secrets)) expect(apis[0]!.output()).not.toContain(secret);
  });

  describe.skipIf(!nginxBinary && !process.env.CI)('behind nginx over HTTPS, with two API instances and the bot', () => {
    const work = mkdtempSync(path.join(tmpdir(), 'kikuai-nginx-'));
    let nginx: ChildProcess | undefined;
    let bot: Service | undefined;
    let https = '';
    let httpPort = 0;
    let tls: Agent;
    const user = { id: 880_000_101, is_bot: false, first_name: 'Edge', language_code: 'en' };
    let apiKey = '';

    /** A request to nginx over HTTPS, trusting the test's own certificate. */
    const edge = (pathname: string, init: Parameters<typeof tlsFetch>[1] = {}) => tlsFetch(`${https}${pathname}`, { ...init, dispatcher: tls });

    beforeAll(async () => {
      if (!nginxBinary) throw new Error('nginx is not installed (CI installs it in .ci/run)');
      mkdirSync(path.join(work, 'logs'));
      mkdirSync(path.join(work, 'tls'));
      // nginx's workers run as an unprivileged user: they get readable copies of what they serve.
      chmodSync(work, 0o755);
      const made = spawnSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=localhost',
          '-addext',
          'subjectAltName=DNS:localhost,IP:127.0.0.1',
          '-keyout',
          path.join(work, 'tls/privkey.pem'),
          '-out',
          path.join(work, 'tls/fullchain.pem'),
        ],
        { encoding: 'utf8' },
      );
      expect(made.status, made.stderr).toBe(0);
      tls = new Agent({ connect: { ca: readFileSync(path.join(work, 'tls/fullchain.pem')) } });

      // The Mini App as its build leaves it (when built), plus a hashed asset with a
      // pre-compressed copy whose content differs, to tell which one nginx served.
      const webappDir = path.join(work, 'www/webapp');
      mkdirSync(path.join(webappDir, 'assets'), { recursive: true });
      if (existsSync(path.join(root, 'miniapp/dist/index.html'))) cpSync(path.join(root, 'miniapp/dist'), webappDir, { recursive: true });
      else writeFileSync(path.join(webappDir, 'index.html'), '<!doctype html><html><body><div id="app"></div></body></html>');
      writeFileSync(path.join(webappDir, 'assets/edge-0a1b2c3d.js'), 'console.log("plain");');
      writeFileSync(path.join(webappDir, 'assets/edge-0a1b2c3d.js.gz'), gzipSync('console.log("precompressed");'));

      const port = await freePort();
      httpPort = await freePort();
      const botPort = await freePort();
      https = `https://127.0.0.1:${port}`;

      // The bot's command with its compose environment: updates by webhook through nginx.
      bot = runService('bot', secrets, {
        TELEGRAM_API_ROOT: telegram.apiRoot,
        TELEGRAM_WEBHOOK_URL: `${https}/telegram/webhook`,
        TELEGRAM_WEBHOOK_PORT: String(botPort),
        TELEGRAM_WEBHOOK_HOST: '127.0.0.1',
        API_BASE_URL: `http://127.0.0.1:${apis[0]!.port}`,
        KIKUAI_LOG_LEVEL: 'info',
      });
      await waitForOutput(bot, 'bot started');

      const config = readFileSync(path.join(root, 'deploy/nginx.conf'), 'utf8')
        .replace(
          'server api:8000 max_fails=3 fail_timeout=10s;',
          apis.map((api) => `server 127.0.0.1:${api.port} max_fails=3 fail_timeout=10s;`).join('\n    '),
        )
        .replace('proxy_pass http://bot:8081;', `proxy_pass http://127.0.0.1:${botPort};`)
        .replace('listen 80;', `listen 127.0.0.1:${httpPort};`)
        .replace('listen 443 ssl http2;', `listen 127.0.0.1:${port} ssl http2;`)
        .replaceAll('/etc/nginx/tls/', `${work}/tls/`)
        .replace('root /var/www;', `root ${work}/www;`)
        .replace('root /var/www/acme;', `root ${work}/www/acme;`)
        .replace('pid /tmp/kikuai-nginx.pid;', `pid ${work}/nginx.pid;`)
        .replace('access_log /dev/stdout;', `access_log ${work}/logs/access.log;`)
        .replace('error_log /dev/stderr warn;', `error_log ${work}/logs/error.log warn;`);
      writeFileSync(path.join(work, 'nginx.conf'), config);
      const check = spawnSync(nginxBinary, ['-t', '-p', work, '-c', path.join(work, 'nginx.conf'), '-e', `${work}/logs/error.log`], { encoding: 'utf8' });
      expect(check.status, check.stderr).toBe(0);
      nginx = spawn(nginxBinary, ['-p', work, '-c', path.join(work, 'nginx.conf'), '-e', `${work}/logs/error.log`, '-g', 'daemon off;'], { stdio: 'ignore' });
      const deadline = Date.now() + 10_000;
      for (;;) {
        const answer = await edge('/healthz').catch(() => null);
        if (answer?.ok) break;
        if (Date.now() > deadline) throw new Error(`nginx did not answer over HTTPS: ${readFileSync(`${work}/logs/error.log`, 'utf8')}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    });

    afterAll(async () => {
      await kill(nginx);
      await kill(bot?.child);
      await tls?.close();
      rmSync(work, { recursive: true, force: true });
    });

    it('redirects plain HTTP to HTTPS, and sends HSTS once over HTTPS', async () => {
      const plain = await fetch(`http://127.0.0.1:${httpPort}/api/v1/products?x=1`, { redirect: 'manual' });
      expect(plain.status).toBe(301);
      expect(plain.headers.get('location')).toBe('https://127.0.0.1/api/v1/products?x=1');
      const health = await edge('/healthz');
      expect(await health.json()).toMatchObject({ status: 'ok' });
      expect(health.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
      // The platform's metrics are for Prometheus on the internal network, not the public side.
      expect((await edge('/metrics')).status).toBe(404);
    });

    it('balances over both API instances, and carries its request id through', async () => {
      for (let index = 0; index < 6; index++) {
        const products = await edge('/api/v1/products');
        expect(products.status).toBe(200);
        expect(products.headers.get('x-request-id')).toMatch(/^[0-9a-f]{32}$/); // nginx's $request_id
        await products.arrayBuffer();
      }
      for (const api of apis) {
        const metrics = await (await fetch(`http://127.0.0.1:${api.port}/metrics`)).text();
        expect(metrics, `instance on ${api.port} served some`).toMatch(
          /kikuai_http_requests_total\{route="\/api\/v1\/products",method="GET",status="200"\} [1-9]/,
        );
      }
    });

    it("a user's /start reaches the bot through the Telegram webhook route; the bot registers them and hands them a key", async () => {
      const update = {
        update_id: 700_001,
        message: {
          message_id: 1,
          date: Math.floor(Date.now() / 1000),
          chat: { id: user.id, type: 'private', first_name: user.first_name },
          from: user,
          text: '/start',
          entities: [{ type: 'bot_command', offset: 0, length: 6 }],
        },
      };
      const refused = await edge('/telegram/webhook', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(update) });
      expect(refused.status).toBe(401); // no secret token: not from Telegram
      const delivered = await edge('/telegram/webhook', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': secrets.TELEGRAM_WEBHOOK_SECRET },
        body: JSON.stringify(update),
      });
      expect(delivered.status).toBe(200);
      const reply = await telegram.waitForCall(
        'sendMessage',
        (call) => Number(call.params.chat_id) === user.id && /kik_[0-9A-Za-z]{49}/.test(String(call.params.text)),
        15_000,
      );
      apiKey = /kik_[0-9A-Za-z]{49}/.exec(String(reply.params.text))![0];
      const me = await edge('/api/v1/auth/me', { headers: { authorization: `Bearer ${apiKey}` } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { account: { telegram_id: number } }).account.telegram_id).toBe(user.id);
      expect(bot!.output()).not.toContain(apiKey);
    });

    it('streams a proxied call event by event through nginx (nothing buffered), and charges it', async () => {
      expect(apiKey).not.toBe('');
      const response = await edge('/api/v1/proxy/reliapi/llm', {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ prompt: 'hello' }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(response.headers.get('x-kikuai-cost-micros')).toBe('1000');
      const reader = response.body!.getReader();
      const decoder = new TextDecoder();
      let received = '';
      // The upstream holds its second event until the first has arrived here: a buffering
      // proxy anywhere on the way would wait for the whole answer and time the test out.
      while (!received.includes('"first"')) received += decoder.decode((await reader.read()).value);
      expect(received).not.toContain('"second"');
      secondEvent.open();
      for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) received += decoder.decode(chunk.value);
      expect(received).toContain('"second"');
      expect(received).toContain('[DONE]');
      expect(upstream.requests.at(-1)!.headers.authorization).toBe(`Bearer ${secrets.RELIAPI_API_KEY}`);
    });

    it('credits a Paddle top-up from a signed webhook sent through nginx (byte for byte); a forged one is refused', async () => {
      const auth = { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' };
      const before = ((await (await edge('/api/v1/balance', { headers: auth })).json()) as { balance_micros: number }).balance_micros;
      paddle.defaultPaymentLink = `${https}/pay`;
      const created = await edge('/api/v1/payment/topup', {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ method: 'paddle', amount_micros: 5_000_000 }),
      });
      expect(created.status).toBe(201);
      const transactionId = new URL(((await created.json()) as { checkout_url: string }).checkout_url).searchParams.get('_ptxn')!;
      const rawBody = JSON.stringify(paddle.completeTransaction(transactionId));
      const forged = await edge('/api/v1/webhooks/paddle', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'paddle-signature': paddle.sign(rawBody, { secret: 'not-the-secret' }) },
        body: rawBody,
      });
      expect(forged.status).toBe(401);
      const signed = await edge('/api/v1/webhooks/paddle', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'paddle-signature': paddle.sign(rawBody) },
        body: rawBody,
      });
      expect(signed.status, await signed.clone().text()).toBe(200);
      expect(await signed.json()).toMatchObject({ received: true, outcome: 'credited' });
      const after = ((await (await edge('/api/v1/balance', { headers: auth })).json()) as { balance_micros: number }).balance_micros;
      expect(after - before).toBe(5_000_000);
    });

    it("serves the Mini App's page (revalidated) and its hashed assets pre-compressed and cached for a year", async () => {
      const page = await edge('/webapp/');
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      expect(page.headers.get('cache-control')).toBe('no-cache');
      expect(page.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
      // A client route of the app falls back to the page.
      expect((await edge('/webapp/keys')).headers.get('cache-control')).toBe('no-cache');

      const compressed = await edge('/webapp/assets/edge-0a1b2c3d.js', { headers: { 'accept-encoding': 'gzip' } });
      expect(compressed.status).toBe(200);
      expect(compressed.headers.get('content-encoding')).toBe('gzip');
      expect(await compressed.text()).toBe('console.log("precompressed");'); // the .gz file, decoded by the client
      expect(compressed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(compressed.headers.get('strict-transport-security')).toBe('max-age=63072000; includeSubDomains');
      const plain = await edge('/webapp/assets/edge-0a1b2c3d.js', { headers: { 'accept-encoding': 'identity' } });
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(await plain.text()).toBe('console.log("plain");');
    });
  });

  it('the API shuts down gracefully on SIGTERM', async () => {
    const api = apis[0]!;
    const exited = new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)));
    api.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(api.output()).toContain('shutting down');
  });

  it('the bot service has a built entry point', () => {
    expect(existsSync(path.join(root, compose.services.bot!.command[1]!))).toBe(true);
  });
});
