import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createStore, loadConfig, REDACTED_PATHS, type KikuaiApp } from '../../src/index.js';
import { signInitData } from '../../src/auth/init-data.js';

describe('logs and cross-origin requests', () => {
  const lines: string[] = [];
  let app: KikuaiApp;
  let url: string;
  let dataDir: string;
  const serviceToken = 'svc_logging_test_token_0123456789';
  const adminToken = 'adm_logging_test_token_0123456789';
  const botToken = '7000000001:AAlogging-test-token-only-for-tests';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-logs-'));
    const config = loadConfig({
      KIKUAI_DATA_DIR: dataDir,
      KIKUAI_BOT_SERVICE_TOKEN: serviceToken,
      KIKUAI_ADMIN_TOKEN: adminToken,
      TELEGRAM_BOT_TOKEN: botToken,
      WEBAPP_URL: 'https://app.kikuai.example/webapp/',
    });
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = await buildApp({
      config,
      store: createStore({ dataDir }),
      logger: { level: 'trace', stream, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
    });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs each request with its id and never a key, token or initData', async () => {
    const register = await fetch(`${url}/api/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-kikuai-service-token': serviceToken, 'x-kikuai-telegram-user-id': '4242' },
      body: JSON.stringify({ telegram_user: { id: 4242 } }),
    });
    const secret: string = (await register.json()).api_key.secret;
    await fetch(`${url}/api/v1/balance`, { headers: { authorization: `Bearer ${secret}` } });
    await fetch(`${url}/api/v1/balance`, { headers: { authorization: `Bearer ${secret.slice(0, -2)}zz` } });
    const initData = signInitData({ auth_date: String(Math.floor(Date.now() / 1000)), user: JSON.stringify({ id: 4243 }) }, botToken);
    await fetch(`${url}/api/v1/auth/me`, { headers: { authorization: `tma ${initData}` } });
    await fetch(`${url}/api/v1/admin/accounts?telegram_id=4242`, { headers: { 'x-kikuai-admin-token': adminToken } });
    await app.kikuai.keyUsage.flush();

    const log = lines.join('');
    expect(log).toContain(register.headers.get('x-request-id')!);
    for (const secretValue of [secret, secret.slice(0, -2), serviceToken, adminToken, botToken, initData.slice(0, 40)]) {
      expect(log).not.toContain(secretValue);
    }
  });

  it('logs no query value but those of a few harmless parameters', async () => {
    const before = lines.length;
    const query = '?token=secret-query-token-0123&cursor=bDE6OTk5OTk5&limit=7&telegram_id=4242777';
    const response = await fetch(`${url}/api/v1/history${query}`, { headers: { 'x-request-id': 'query-log-test' } });
    await response.arrayBuffer();
    const log = lines.slice(before).join('');
    expect(log).toContain('query-log-test');
    expect(log).toContain('/api/v1/history?token=[redacted]&cursor=[redacted]&limit=7&telegram_id=[redacted]');
    for (const value of ['secret-query-token-0123', 'bDE6OTk5OTk5', '4242777']) expect(log).not.toContain(value);
  });

  it("allows cross-origin calls from the Mini App's origin only", async () => {
    const preflight = (origin: string) =>
      fetch(`${url}/api/v1/balance`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
      });
    const allowed = await preflight('https://app.kikuai.example');
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.kikuai.example');
    const refused = await preflight('https://evil.example');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
  });
});
