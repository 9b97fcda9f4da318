import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, createStore, loadConfig, type KikuaiApp } from '../../src/index.js';

/** A GET with the headers given and nothing else (fetch would add its own Accept-Encoding and decode). */
function rawGet(url: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
    get(url, { headers }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject);
  });
}

describe('the Mini App’s files as the server sends them', () => {
  let app: KikuaiApp;
  let url: string;
  let dataDir: string;
  let webappDir: string;
  const script = `console.log(${JSON.stringify('kikuai '.repeat(200))});`;
  const page = '<!doctype html><div id="app"></div><script type="module" src="/webapp/assets/index-DgXQ3fJY.js"></script>';

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-webapp-data-'));
    // A build as `vite build` leaves it: hashed assets, and a .br and .gz beside every text file.
    webappDir = mkdtempSync(path.join(tmpdir(), 'kikuai-webapp-'));
    mkdirSync(path.join(webappDir, 'assets'));
    for (const [name, content] of [
      ['index.html', page],
      ['assets/index-DgXQ3fJY.js', script],
    ] as const) {
      writeFileSync(path.join(webappDir, name), content);
      writeFileSync(path.join(webappDir, `${name}.br`), brotliCompressSync(content));
      writeFileSync(path.join(webappDir, `${name}.gz`), gzipSync(content));
    }
    const config = loadConfig({
      KIKUAI_DATA_DIR: dataDir,
      KIKUAI_BOT_SERVICE_TOKEN: 'svc_webapp_static_test_token_0123456789',
      KIKUAI_ADMIN_TOKEN: 'adm_webapp_static_test_token_0123456789',
      TELEGRAM_BOT_TOKEN: '7000000002:AAwebapp-static-test-token-for-tests',
      KIKUAI_WEBAPP_DIR: webappDir,
    });
    app = await buildApp({ config, store: createStore({ dataDir }), logger: false });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(webappDir, { recursive: true, force: true });
  });

  it('sends a hashed asset brotli-compressed to a browser that accepts it, cached for a year', async () => {
    const response = await rawGet(`${url}/webapp/assets/index-DgXQ3fJY.js`, { 'accept-encoding': 'gzip, deflate, br' });

    expect(response.status).toBe(200);
    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['content-type']).toMatch(/^text\/javascript|^application\/javascript/);
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.headers.vary).toMatch(/accept-encoding/i);
    expect(brotliDecompressSync(response.body).toString()).toBe(script);
    expect(response.body.length).toBeLessThan(script.length / 10);
  });

  it('sends gzip to a browser without brotli, and the plain file to one that accepts neither', async () => {
    const gzipped = await rawGet(`${url}/webapp/assets/index-DgXQ3fJY.js`, { 'accept-encoding': 'gzip' });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const plain = await rawGet(`${url}/webapp/assets/index-DgXQ3fJY.js`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(script);
  });

  it('never lets a browser keep index.html without asking, so a deploy shows at once', async () => {
    for (const address of [`${url}/webapp`, `${url}/webapp/`, `${url}/webapp/index.html`]) {
      const response = await rawGet(address, { 'accept-encoding': 'br' });
      expect(response.status, address).toBe(200);
      expect(response.headers['cache-control'], address).toBe('no-cache');
      const body = response.headers['content-encoding'] === 'br' ? brotliDecompressSync(response.body) : response.body;
      expect(body.toString(), address).toBe(page);
    }
  });
});
