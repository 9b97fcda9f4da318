/**
 * The shipped access log (`http/access-log.ts`), as an operator reads it from the API's
 * stdout: one line per request with the request, its status and its time, never a query
 * value outside the allow-list; buffered, so a line may wait up to a second, but none is
 * lost when the server stops.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@kikuai/testkit/http';
import { stop } from '../support/launcher.js';

const apiEntry = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist/main.js');

describe('the access log on stdout', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-access-log-'));
  let child: ChildProcess;
  let stdout = '';
  let base = '';

  const linesOf = (requestId: string) =>
    stdout
      .split('\n')
      .filter((line) => line.includes(`"${requestId}"`))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  async function until(done: () => boolean, what: string) {
    for (const deadline = Date.now() + 10_000; !done();) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`${what}; stdout so far:\n${stdout}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    child = spawn(process.execPath, [apiEntry], {
      env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', KIKUAI_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child.stdout!.on('data', (chunk) => (stdout += String(chunk)));
    await until(() => stdout.includes('kikuai API listening'), 'the API did not start');
  });
  afterAll(async () => {
    await stop(child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('writes one line per request, with the request, the status and the time taken', async () => {
    await (await fetch(`${base}/healthz`, { headers: { 'x-request-id': 'access-log-health' } })).arrayBuffer();
    const history = await fetch(`${base}/api/v1/history?token=secret-in-a-query-0123&limit=3`, { headers: { 'x-request-id': 'access-log-history' } });
    await history.arrayBuffer();
    await until(() => linesOf('access-log-history').length > 0 && linesOf('access-log-health').length > 0, 'the request lines never came');

    const [health] = linesOf('access-log-health');
    expect(linesOf('access-log-health')).toHaveLength(1);
    expect(health).toMatchObject({ level: 30, reqId: 'access-log-health', req: { method: 'GET', url: '/healthz' }, res: { statusCode: 200 } });
    expect(typeof health!.responseTime).toBe('number');
    expect(linesOf('access-log-history')).toEqual([
      expect.objectContaining({ req: expect.objectContaining({ url: '/api/v1/history?token=[redacted]&limit=3' }), res: { statusCode: history.status } }),
    ]);
    expect(stdout).not.toContain('secret-in-a-query-0123');
  });

  it('writes what is still buffered when the server stops', async () => {
    await (await fetch(`${base}/readyz`, { headers: { 'x-request-id': 'access-log-last' } })).arrayBuffer();
    expect(await stop(child)).toBe(0);
    expect(linesOf('access-log-last')).toHaveLength(1);
  });
});
