import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listOperations, loadSpec } from '@kikuai/server';
import { startTestServer, type TestServer } from '@kikuai/testkit';
import { STORE_OPERATIONS } from '../../src/store/types.js';

/** Pages that are not API operations: the docs UI, the Mini App and the Paddle checkout page. */
const NON_API_PREFIXES = ['/docs', '/webapp', '/pay'];

describe('the server serves exactly the contract', () => {
  let server: TestServer;
  beforeAll(async () => {
    // The Mini App's build, as the launcher hands it to the server.
    server = await startTestServer({ env: { KIKUAI_WEBAPP_DIR: fileURLToPath(new URL('../../../miniapp/dist', import.meta.url)) } });
  });
  afterAll(async () => server?.close());

  it('implements every operationId of openapi.yaml', () => {
    const { all, implemented } = server.app.operations;
    expect(all.length).toBeGreaterThan(30);
    expect(all.filter((id) => !implemented.includes(id))).toEqual([]);
  });

  it('serves no API route that the spec does not describe', () => {
    const described = new Set(listOperations(loadSpec().document).map(({ method, path }) => `${method} ${path.replace(/\{([^}]+)\}/g, ':$1')}`));
    const undescribed = server.app.servedRoutes.filter((route) => {
      const [method, url] = route.split(' ') as [string, string];
      if (method === 'HEAD' || method === 'OPTIONS') return false;
      if (NON_API_PREFIXES.some((prefix) => url === prefix || url.startsWith(`${prefix}/`))) return false;
      return !described.has(route);
    });
    expect(undescribed).toEqual([]);
  });

  it('serves the spec itself and readable docs', async () => {
    const spec = await fetch(`${server.url}/openapi.yaml`);
    expect(spec.status).toBe(200);
    expect(spec.headers.get('content-type')).toMatch(/yaml/);
    expect(await spec.text()).toContain('operationId: registerAccount');
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toMatch(/swagger/i);
  });

  it.skipIf(!existsSync(new URL('../../../miniapp/dist/index.html', import.meta.url)) && !process.env.CI)(
    'serves the built Mini App at /webapp and /webapp/, with its assets',
    async () => {
      for (const path of ['/webapp', '/webapp/']) {
        const page = await fetch(`${server.url}${path}`);
        expect(page.status).toBe(200);
        const html = await page.text();
        expect(html).toContain('id="app"');
        const asset = /src="(\/webapp\/assets\/[^"]+\.js)"/.exec(html)?.[1];
        expect(asset).toBeDefined();
        expect((await fetch(`${server.url}${asset}`)).headers.get('content-type')).toMatch(/javascript/);
      }
    },
  );

  it('reports health, readiness and Prometheus metrics', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', store: { kind: 'sqlite', ok: true } });
    await server.register();
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/kikuai_http_requests_total\{route="\/api\/v1\/auth\/register",method="POST",status="201"\} 1/);
    expect(metrics).toMatch(/kikuai_store_operation_duration_seconds_count\{operation="register"\} 1/);
    // Store latency is by the Store interface's operations, never an adapter's own helpers.
    const operations = [...metrics.matchAll(/kikuai_store_operation_duration_seconds_count\{operation="([^"]+)"\}/g)].map((match) => match[1]);
    expect(operations).toEqual(expect.arrayContaining(['register', 'authorize', 'reserve', 'applyLedger', 'ping']));
    expect(operations.filter((name) => !STORE_OPERATIONS.includes(name as never))).toEqual([]);
  });

  it('sets security headers and a request id on every response', async () => {
    const response = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'trace-123' } });
    expect(response.headers.get('x-request-id')).toBe('trace-123');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(response.headers.get('strict-transport-security')).toMatch(/^max-age=\d+/);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    // Headers that govern documents are on the pages, not on every API answer.
    expect(response.headers.get('cross-origin-opener-policy')).toBeNull();
    const page = await fetch(`${server.url}/docs/`);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('origin-agent-cluster')).toBe('?1');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-request-id')).toBeTruthy();
    // Telegram shows the Mini App in a frame: framing is not refused.
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(page.headers.get('x-frame-options')).toBeNull();
    const generated = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'bad id with spaces' } });
    expect(generated.headers.get('x-request-id')).toMatch(/^req_/);
  });
});
