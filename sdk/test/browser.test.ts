/**
 * The SDK in a real browser (Debian's headless Chromium): bundled for the browser
 * platform (which fails on any Node built-in), loaded by a page, and used against a
 * local server: auth header, a retry, an error, and a stream read as it arrives.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'tsup';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gate, sampleBalance, sendJson, sendProblem, startTestServer, type TestServer } from './support/test-server.js';

const chromiumPath = '/usr/bin/chromium';

function browserUnavailable(): boolean {
  if (existsSync(chromiumPath)) return false;
  const message = `${chromiumPath} is missing: install Debian's chromium (apt-get install -y chromium) to run the SDK browser test.`;
  if (process.env.CI) throw new Error(message);
  console.warn(`Skipping the SDK browser test: ${message}`);
  return true;
}

describe.skipIf(browserUnavailable())('in a browser', () => {
  let bundleDirectory: string;
  let server: TestServer;
  let browser: Browser;
  const rest = gate();
  const order: string[] = [];

  beforeAll(async () => {
    bundleDirectory = mkdtempSync(path.join(tmpdir(), 'kikuai-sdk-browser-'));
    await build({
      config: false,
      entry: { sdk: fileURLToPath(new URL('../src/index.ts', import.meta.url)) },
      format: ['esm'],
      platform: 'browser',
      target: 'es2022',
      outDir: bundleDirectory,
      noExternal: [/.*/],
      dts: false,
      silent: true,
      define: { __KIKUAI_SDK_VERSION__: JSON.stringify('0.0.0-browser') },
    });
    const bundle = readFileSync(path.join(bundleDirectory, 'sdk.js'), 'utf8');

    let balanceCalls = 0;
    server = await startTestServer(async (request, response) => {
      const route = `${request.method} ${request.url.pathname}`;
      if (route === 'GET /') {
        response.writeHead(200, { 'Content-Type': 'text/html' });
        response.end("<!doctype html><title>sdk</title><script type=module>import * as sdk from '/sdk.js'; window.kikuaiSdk = sdk;</script>");
      } else if (route === 'GET /sdk.js') {
        response.writeHead(200, { 'Content-Type': 'text/javascript' });
        response.end(bundle);
      } else if (route === 'GET /api/v1/balance') {
        balanceCalls += 1;
        if (balanceCalls === 1) sendProblem(response, 503, 'service_unavailable', {}, { 'Retry-After': '0' });
        else sendJson(response, 200, { ...sampleBalance, seen_authorization: request.headers.authorization, seen_user_agent: request.headers['user-agent'] });
      } else if (route === 'POST /api/v1/proxy/reliapi/llm') {
        response.writeHead(200, { 'Content-Type': 'text/event-stream', 'X-Kikuai-Cost-Micros': '1000' });
        response.write('data: first\r\n\r\n');
        order.push('server sent first');
        await rest.promise;
        order.push('server sends rest');
        response.end('data: second\n\n');
      } else sendProblem(response, 404, 'route_not_found');
    });

    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (bundleDirectory) rmSync(bundleDirectory, { recursive: true, force: true });
  });

  it('calls the API with initData, retries, maps errors and streams', async () => {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => 'kikuaiSdk' in window);
    await page.exposeFunction('reachedFirstEvent', () => {
      order.push('client got first');
      rest.open();
    });

    const result = await page.evaluate(async () => {
      const { createKikuaiClient, KikuaiError } = (window as unknown as { kikuaiSdk: typeof import('../src/index.js') }).kikuaiSdk;
      const kikuai = createKikuaiClient({
        baseUrl: location.origin,
        auth: { initData: 'user=%7B%22id%22%3A1%7D&hash=abc' },
        retryBackoff: { initialDelayMs: 1 },
      });
      const balance = (await kikuai.balance.get()) as Record<string, unknown>;
      const error = await kikuai.keys.get('key_missing').catch((caught: unknown) => caught);
      const stream = await kikuai.proxy.stream('reliapi', 'llm', { model: 'm' });
      const data: string[] = [];
      for await (const event of stream) {
        data.push(event.data);
        if (data.length === 1) await (window as unknown as { reachedFirstEvent(): Promise<void> }).reachedFirstEvent();
      }
      return {
        authorization: balance.seen_authorization,
        userAgentMentionsSdk: String(balance.seen_user_agent).includes('kikuai-sdk-js'),
        isKikuaiError: error instanceof KikuaiError,
        code: (error as { code?: string }).code,
        costMicros: stream.costMicros,
        data,
      };
    });

    expect(result).toEqual({
      authorization: 'tma user=%7B%22id%22%3A1%7D&hash=abc',
      userAgentMentionsSdk: false,
      isKikuaiError: true,
      code: 'route_not_found',
      costMicros: 1000,
      data: ['first', 'second'],
    });
    expect(order).toEqual(['server sent first', 'client got first', 'server sends rest']);
    expect(server.requests.filter((request) => request.url.pathname === '/api/v1/balance')).toHaveLength(2);
  });
});
