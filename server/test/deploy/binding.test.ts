/**
 * Where `npm start` listens: loopback by default (the operator's routes move money), the
 * whole network only when HOST says so — and the start-up lines say which.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { freePort } from '@kikuai/testkit/http';
import { launch, launcherEntry, stop, type Launched } from '../support/launcher.js';

/** An IPv4 address of this machine that is not loopback, if it has one. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((info) => info && info.family === 'IPv4' && !info.internal)?.address;

/** Resolves true when a TCP connection is accepted, false when it is refused. */
function connects(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

describe('where the server listens', () => {
  let launched: Launched | null = null;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'kikuai-bind-'));

  beforeAll(() => {
    if (!existsSync(launcherEntry)) throw new Error(`${launcherEntry} is missing: run \`npm run build\` first (npm test does).`);
  });
  afterEach(async () => {
    await stop(launched?.child);
    launched = null;
  });

  async function start(environment: Record<string, string>): Promise<{ output: string; port: number }> {
    const port = await freePort();
    launched = await launch({ PORT: String(port), KIKUAI_DATA_DIR: dataDir, KIKUAI_LOG_LEVEL: 'warn', ...environment }, 'bound to:');
    return { output: launched.output(), port };
  }

  it('defaults to loopback in its configuration', () => {
    expect(loadConfig({}).host).toBe('127.0.0.1');
  });

  it('binds 127.0.0.1 without HOST, says so, and refuses connections to other addresses of the machine', async () => {
    const { output, port } = await start({ KIKUAI_ADMIN_TOKEN: 'adm_binding_test_0123456789' });
    expect(output).toContain(`kikuai API listening on http://127.0.0.1:${port}`);
    expect(output).toMatch(/bound to: 127\.0\.0\.1 only \(loopback: this machine\); set HOST=0\.0\.0\.0/);
    expect(await connects('127.0.0.1', port)).toBe(true);
    if (outsideAddress) expect(await connects(outsideAddress, port)).toBe(false);
    else console.warn('this machine has no non-loopback IPv4 address: only the bound address is checked');
  });

  it('binds every interface with HOST=0.0.0.0, says so, and warns when the admin token is set', async () => {
    const { output, port } = await start({ HOST: '0.0.0.0', KIKUAI_ADMIN_TOKEN: 'adm_binding_test_0123456789' });
    expect(output).toContain(`kikuai API listening on http://0.0.0.0:${port} (every interface; on this machine http://127.0.0.1:${port})`);
    expect(output).toMatch(/bound to: every network interface \(HOST=0\.0\.0\.0\)/);
    expect(output).toContain('KIKUAI_ADMIN_TOKEN is set');
    expect(output).not.toContain('adm_binding_test_0123456789');
    if (outsideAddress) expect(await connects(outsideAddress, port)).toBe(true);
    expect(await connects('127.0.0.1', port)).toBe(true);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
