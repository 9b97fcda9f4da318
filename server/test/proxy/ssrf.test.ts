/**
 * Only configured upstreams are ever contacted: no path, header or encoded trick in a
 * request reaches another host or another path than the endpoint's configured one.
 * An "attacker" server stands for every other host; it must never hear a thing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { json, startProxyServer, startUpstream, type ProxyTestServer, type Upstream } from './support.js';

/** Sends exact bytes (no client-side URL normalisation) and returns the status line's code. */
function rawRequest(url: string, head: string, body: string): Promise<number> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (match) {
        resolve(Number(match[1]));
        socket.destroy();
      }
    });
    socket.on('error', reject);
    socket.write(`${head}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
  });
}

describe('SSRF and path traversal through the proxy', () => {
  let upstream: Upstream;
  let attacker: Upstream;
  let server: ProxyTestServer;
  let apiKey: string;

  beforeAll(async () => {
    upstream = await startUpstream((_request, response) => json(response, 200, { ok: true }));
    attacker = await startUpstream((_request, response) => json(response, 200, { pwned: true }));
    server = await startProxyServer({ store: 'sqlite', upstreamUrl: upstream.url });
    ({ apiKey } = await server.fundedAccount(1_000_000));
  });
  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await attacker?.close();
  });

  const attackerHost = () => new URL(attacker.url).host;
  const targets = () => [
    '/api/v1/proxy/..%2f..%2fadmin/llm',
    '/api/v1/proxy/reliapi/..%2F..%2Fsecret',
    '/api/v1/proxy/reliapi/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/api/v1/proxy/reliapi%2F..%2Fother/llm',
    '/api/v1/proxy/reliapi/llm%2F..%2F..%2Fadmin',
    `/api/v1/proxy/http:%2F%2F${attackerHost()}/llm`,
    `/api/v1/proxy/reliapi/http:%2F%2F${attackerHost()}%2Fx`,
    `/api/v1/proxy/%2F%2F${attackerHost()}/llm`,
    `/api/v1/proxy/reliapi/@${attackerHost()}`,
    '/api/v1/proxy/reliapi/llm/../../../admin',
    '/api/v1/proxy/./reliapi/../llm',
    `/api/v1/proxy/llm?url=http://${attackerHost()}/&path=/../../admin`,
    `/api/v1/proxy/reliapi/llm#@${attackerHost()}`,
    `http://${attackerHost()}/api/v1/proxy/llm`,
  ];

  it('never reaches another host or another path, whatever the URL says', async () => {
    for (const target of targets()) {
      const status = await rawRequest(
        server.url,
        `POST ${target} HTTP/1.1\r\nHost: ${new URL(server.url).host}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${apiKey}`,
        '{}',
      );
      expect(status, target).toBeLessThan(500);
    }
    expect(attacker.calls).toEqual([]);
    for (const call of upstream.calls) expect(['/proxy/llm', '/proxy/http']).toContain(call.url);
  });

  it('ignores Host, X-Forwarded-Host, Forwarded and X-Original-URL tricks', async () => {
    const before = upstream.calls.length;
    const status = await rawRequest(
      server.url,
      [
        'POST /api/v1/proxy/llm HTTP/1.1',
        `Host: ${attackerHost()}`,
        `X-Forwarded-Host: ${attackerHost()}`,
        `X-Forwarded-Proto: http`,
        `Forwarded: host=${attackerHost()}`,
        'X-Original-URL: /admin',
        'X-Rewrite-URL: /admin',
        'Content-Type: application/json',
        `Authorization: Bearer ${apiKey}`,
      ].join('\r\n'),
      '{"model":"x"}',
    );
    expect(status).toBe(200);
    expect(attacker.calls).toEqual([]);
    const call = upstream.calls.at(-1)!;
    expect(upstream.calls.length).toBe(before + 1);
    expect(call.url).toBe('/proxy/llm');
    expect(call.headers.host).toBe(new URL(upstream.url).host);
    for (const header of ['x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-original-url', 'x-rewrite-url'])
      expect(call.headers[header]).toBeUndefined();
  });

  it('never lets a body field choose the upstream', async () => {
    const response = await server.proxy('/api/v1/proxy/http', apiKey, { url: attacker.url, host: attackerHost(), path: '/../../admin' });
    expect(response.status).toBe(200);
    expect(attacker.calls).toEqual([]);
    expect(upstream.calls.at(-1)!.url).toBe('/proxy/http');
  });
});
