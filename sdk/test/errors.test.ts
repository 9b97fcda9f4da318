import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';
import { afterEach, describe, expect, it } from 'vitest';
import { createKikuaiClient, KikuaiError, KikuaiNetworkError, KikuaiTimeoutError } from '../src/index.js';
import { sendJson, sendProblem, startTestServer, type TestServer } from './support/test-server.js';

describe('error mapping', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('turns a problem+json answer into a KikuaiError with its code, request id, extras and a hint', async () => {
    server = await startTestServer((_request, response) => sendProblem(response, 402, 'insufficient_balance', { balance_micros: 500, price_micros: 1000 }));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const error = await kikuai.topups.options().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(KikuaiError);
    expect(error).not.toBeInstanceOf(KikuaiNetworkError);
    const kikuaiError = error as KikuaiError;
    expect(kikuaiError.status).toBe(402);
    expect(kikuaiError.code).toBe('insufficient_balance');
    expect(kikuaiError.requestId).toBe('req_insufficient_balance_402');
    expect(kikuaiError.title).toBe('insufficient balance');
    expect(kikuaiError.detail).toBe('Problem insufficient_balance.');
    expect(kikuaiError.problem?.price_micros).toBe(1000);
    expect(kikuaiError.hint).toMatch(/top up/i);
    expect(kikuaiError.message).toContain('req_insufficient_balance_402');
    expect(kikuaiError.name).toBe('KikuaiError');
  });

  it('keeps a body that is not a problem, with a code made from the status and the request id from the header', async () => {
    server = await startTestServer((_request, response) => {
      response.writeHead(502, { 'Content-Type': 'text/html', 'X-Request-Id': 'req_gateway' });
      response.end('<h1>Bad gateway</h1>');
    });
    const kikuai = createKikuaiClient({ baseUrl: server.url, maxRetries: 0 });

    const error = (await kikuai.products.list().catch((caught: unknown) => caught)) as KikuaiError;

    expect(error).toBeInstanceOf(KikuaiError);
    expect(error.code).toBe('http_502');
    expect(error.requestId).toBe('req_gateway');
    expect(error.problem).toBeUndefined();
    expect(error.body).toBe('<h1>Bad gateway</h1>');
  });

  it('carries the cost headers when an upstream refused a proxied call and it was charged', async () => {
    server = await startTestServer((_request, response) =>
      sendJson(response, 422, { error: 'bad model' }, { 'X-Kikuai-Cost-Micros': '1000', 'X-Kikuai-Balance-Micros': '9000', 'X-Request-Id': 'req_upstream' }),
    );
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const error = (await kikuai.proxy.llm({ target: 'openai', model: 'nope', messages: [] }).catch((caught: unknown) => caught)) as KikuaiError;

    expect(error.status).toBe(422);
    expect(error.body).toEqual({ error: 'bad model' });
    expect(error.costMicros).toBe(1000);
    expect(error.balanceMicros).toBe(9000);
    expect(error.requestId).toBe('req_upstream');
  });

  it('tells a connection failure apart from an API error', async () => {
    server = await startTestServer((_request, response) => sendJson(response, 200, {}));
    const { url } = server;
    await server.close();
    const kikuai = createKikuaiClient({ baseUrl: url, maxRetries: 1, retryBackoff: { initialDelayMs: 1 } });

    const error = (await kikuai.balance.get().catch((caught: unknown) => caught)) as KikuaiNetworkError;

    expect(error).toBeInstanceOf(KikuaiNetworkError);
    expect(error).not.toBeInstanceOf(KikuaiError);
    expect(error).not.toBeInstanceOf(KikuaiTimeoutError);
    expect(error.attempts).toBe(2);
    expect(error.cause).toBeDefined();
  });

  it('recognises errors by brand, so instanceof holds across copies of the SDK', () => {
    const foreign = Object.assign(Object.create(null), { [Symbol.for('@kikuai/sdk/KikuaiError')]: true });
    expect(foreign instanceof KikuaiError).toBe(true);
    expect({} instanceof KikuaiError).toBe(false);
    expect(new KikuaiTimeoutError('t', { method: 'GET', url: '/', attempts: 1, timeoutMs: 1 })).toBeInstanceOf(KikuaiNetworkError);
  });

  it('builds the same error from a raw client result', async () => {
    server = await startTestServer((_request, response) => sendProblem(response, 404, 'key_not_found'));
    const kikuai = createKikuaiClient({ baseUrl: server.url, auth: { apiKey: 'kik_x' } });

    const { error, response } = await kikuai.raw.GET('/api/v1/api_keys/{key_id}', { params: { path: { key_id: 'key_missing' } } });

    const kikuaiError = KikuaiError.fromResponse(response, error);
    expect(kikuaiError.code).toBe('key_not_found');
    expect(kikuaiError.hint).toMatch(/auth\.apiKey/);
  });

  it('has a hint of its own for every code of the spec, in SDK terms: no CLI or bot command', () => {
    const schema = readFileSync(new URL('../src/generated/schema.ts', import.meta.url), 'utf8');
    const codes = [.../ErrorCode: ([^;]+);/.exec(schema)![1]!.matchAll(/"([a-z_]+)"/g)].map((match) => match[1]!);
    expect(codes.length).toBeGreaterThan(40);
    const unknownStatusHint = new KikuaiError({ status: 418, body: { code: 'not_a_code' } }).hint;
    for (const code of codes) {
      const { hint } = new KikuaiError({ status: 418, body: { code } });
      expect(hint, code).not.toBe(unknownStatusHint);
      expect(hint, code).not.toMatch(/kikuai [a-z]|\s--[a-z]|(^|\s)\/[a-z_]+/);
    }
  });

  it('costs a bundle nothing when it is not used: an app that imports only formatUsd ships no error class or hint', async () => {
    // The built file, as a bundler sees it: one module, so only statements without side effects can be dropped.
    const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    expect(existsSync(built), 'run npm run build -w @kikuai/sdk first').toBe(true);
    const directory = mkdtempSync(path.join(tmpdir(), 'kikuai-sdk-shake-'));
    try {
      writeFileSync(path.join(directory, 'app.js'), `export { formatUsd } from ${JSON.stringify(built)};\n`);
      await build({
        config: false,
        entry: { app: path.join(directory, 'app.js') },
        format: ['esm'],
        platform: 'browser',
        treeshake: true,
        external: ['openapi-fetch'],
        outDir: path.join(directory, 'out'),
        dts: false,
        silent: true,
      });
      const bundle = readFileSync(path.join(directory, 'out', 'app.js'), 'utf8');
      expect(bundle).toContain('formatUsd');
      expect(bundle).not.toMatch(/KikuaiError|validation_failed/);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
