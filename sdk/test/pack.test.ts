/**
 * The package as users get it: a copy of sdk/ built into its own dist (never touching
 * sdk/dist, which other packages' tests may be reading), packed with `npm pack`,
 * installed into a scratch project, and used from ES modules, CommonJS and TypeScript.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, sendProblem, startTestServer, type TestServer } from './support/test-server.js';

const sdkDirectory = fileURLToPath(new URL('..', import.meta.url));
const repositoryRoot = path.resolve(sdkDirectory, '..');
const binary = (name: string) => path.join(repositoryRoot, 'node_modules', '.bin', name);

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

// Scripts that call the test server must not block this process's event loop.
async function runNode(script: string, cwd: string, baseUrl: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)('node', [script], { cwd, encoding: 'utf8', env: { ...process.env, BASE_URL: baseUrl }, timeout: 30_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  files: { path: string }[];
}

describe('the packed tarball', () => {
  let workDirectory: string;
  let packageDirectory: string;
  let scratchDirectory: string;
  let pack: PackResult;
  let server: TestServer;

  beforeAll(async () => {
    workDirectory = mkdtempSync(path.join(tmpdir(), 'kikuai-sdk-pack-'));
    packageDirectory = path.join(workDirectory, 'package');
    cpSync(sdkDirectory, packageDirectory, { recursive: true, filter: (source) => !/[\\/](node_modules|dist)$/.test(source) });
    run(binary('tsup'), ['--out-dir', path.join(packageDirectory, 'dist')], sdkDirectory);
    pack = (JSON.parse(run('npm', ['pack', '--json', '--pack-destination', workDirectory], packageDirectory)) as PackResult[])[0]!;

    scratchDirectory = path.join(workDirectory, 'scratch');
    mkdirSync(scratchDirectory);
    writeFileSync(path.join(scratchDirectory, 'package.json'), JSON.stringify({ name: 'scratch', private: true, version: '0.0.0' }));
    const tarball = path.join(workDirectory, pack.filename);
    try {
      run('npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], scratchDirectory);
    } catch {
      run('npm', ['install', '--no-audit', '--no-fund', tarball], scratchDirectory);
    }

    server = await startTestServer((request, response) => {
      if (request.url.pathname === '/api/v1/balance' && request.headers.authorization === 'Bearer kik_packed') {
        sendJson(response, 200, {
          balance_micros: 42,
          balance_usd: '0.000042',
          currency: 'USD',
          low_balance_threshold_micros: null,
          low_balance: false,
          account_status: 'active',
        });
      } else sendProblem(response, 401, 'invalid_api_key');
    });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    if (workDirectory) rmSync(workDirectory, { recursive: true, force: true });
  });

  it('ships only dist, the README and package.json', () => {
    expect(pack.files.map((file) => file.path).sort()).toEqual([
      'README.md',
      'dist/contract.cjs',
      'dist/contract.d.cts',
      'dist/contract.d.ts',
      'dist/contract.js',
      'dist/index.cjs',
      'dist/index.d.cts',
      'dist/index.d.ts',
      'dist/index.js',
      'package.json',
    ]);
    console.info(`@kikuai/sdk tarball: ${pack.size} bytes packed, ${pack.unpackedSize} bytes unpacked`);
  });

  it('has no Node-only imports in the runtime code', () => {
    for (const file of ['index.js', 'index.cjs']) {
      const code = execFileSync('cat', [path.join(packageDirectory, 'dist', file)], { encoding: 'utf8' });
      expect(code).not.toMatch(/\bfrom\s+['"]node:|require\(['"]node:|require\(['"](fs|http|https|crypto|path|stream|buffer)['"]\)/);
      expect(code).not.toMatch(/\bprocess\.|\bBuffer\./);
    }
  });

  it('ships @kikuai/sdk/contract as types only: its code is empty', () => {
    for (const file of ['contract.js', 'contract.cjs']) {
      const code = execFileSync('cat', [path.join(packageDirectory, 'dist', file)], { encoding: 'utf8' });
      expect(code.replace(/['"]use strict['"];?/, '').trim()).toBe('');
    }
  });

  it('works from an ES module, with instanceof across the ESM and CommonJS builds', async () => {
    writeFileSync(
      path.join(scratchDirectory, 'esm.mjs'),
      `import { createRequire } from 'node:module';
import { createKikuaiClient, KikuaiError, KikuaiNetworkError, SDK_VERSION } from '@kikuai/sdk';
const commonjs = createRequire(import.meta.url)('@kikuai/sdk');
const good = createKikuaiClient({ baseUrl: process.env.BASE_URL, auth: { apiKey: 'kik_packed' } });
const { balance_micros } = await good.balance.get();
let caught;
try { await good.withAuth({ apiKey: 'kik_wrong' }).balance.get(); } catch (error) { caught = error; }
const fromCommonJs = new commonjs.KikuaiError({ status: 500, body: {} });
console.log(JSON.stringify({
  balance_micros,
  code: caught.code,
  esm: caught instanceof KikuaiError,
  crossToCommonJs: caught instanceof commonjs.KikuaiError,
  crossFromCommonJs: fromCommonJs instanceof KikuaiError,
  notNetwork: !(caught instanceof KikuaiNetworkError),
  version: SDK_VERSION,
}));
`,
    );
    const output = await runNode('esm.mjs', scratchDirectory, server.url);
    expect(output).toEqual({
      balance_micros: 42,
      code: 'invalid_api_key',
      esm: true,
      crossToCommonJs: true,
      crossFromCommonJs: true,
      notNetwork: true,
      version: '0.1.0',
    });
  });

  it('works from CommonJS', async () => {
    writeFileSync(
      path.join(scratchDirectory, 'cjs.cjs'),
      `const { createKikuaiClient, KikuaiError, KikuaiTimeoutError, parseServerSentEvents } = require('@kikuai/sdk');
(async () => {
  const kikuai = createKikuaiClient({ baseUrl: process.env.BASE_URL, auth: { apiKey: 'kik_packed' } });
  const { balance_micros } = await kikuai.balance.get();
  const error = await kikuai.withAuth({ apiKey: 'kik_wrong' }).balance.get().catch((caught) => caught);
  console.log(JSON.stringify({ balance_micros, code: error.code, isError: error instanceof KikuaiError, timeout: typeof KikuaiTimeoutError, sse: typeof parseServerSentEvents }));
})();
`,
    );
    const output = await runNode('cjs.cjs', scratchDirectory, server.url);
    expect(output).toEqual({ balance_micros: 42, code: 'invalid_api_key', isError: true, timeout: 'function', sse: 'function' });
  });

  it('type-checks in a TypeScript project with node16 resolution, from ESM and CommonJS', () => {
    const program = `
import { createKikuaiClient, KikuaiError, type ApiKeyWithSecret, type KikuaiClient, type LedgerEntry, type ProxyResult, type paths } from '@kikuai/sdk';
import type { components, operations } from '@kikuai/sdk/contract';
const kikuai: KikuaiClient = createKikuaiClient({ baseUrl: 'http://localhost:8000', auth: { serviceToken: 's', telegramUserId: 1 } });
export async function main(): Promise<void> {
  const key: ApiKeyWithSecret = await kikuai.keys.create({ name: 'ci' });
  const secret: string = key.secret;
  const entries: LedgerEntry[] = [];
  for await (const entry of kikuai.history.iterate({ limit: 10 })) entries.push(entry);
  const result: ProxyResult<{ ok: boolean }> = await kikuai.proxy.llm<{ ok: boolean }>({ target: 'openai', model: 'm', messages: [{ role: 'user', content: 'Hi' }] });
  const stream = await kikuai.proxy.llm({ target: 'openai', model: 'm', messages: [] }, { stream: true });
  for await (const chunk of stream) console.log(chunk.choices[0]?.delta.content);
  for await (const event of await kikuai.proxy.stream('reliapi', 'llm', {})) console.log(event.data, event.event, event.id);
  // @ts-expect-error a chat call names its model and messages
  await kikuai.proxy.llm({ target: 'openai' });
  const raw = await kikuai.raw.GET('/api/v1/api_keys/{key_id}', { params: { path: { key_id: 'key_1' } } });
  type BalancePath = paths['/api/v1/balance'];
  const micros: components['schemas']['Balance']['balance_micros'] = 1;
  const createKey: operations['createApiKey']['responses'][201]['content']['application/json'] | null = null;
  console.log(micros, createKey);
  console.log(secret, result.data.ok, result.costMicros, raw.data?.id, entries.length, null as unknown as BalancePath);
  try { await kikuai.balance.get(); } catch (error) { if (error instanceof KikuaiError) console.log(error.code, error.requestId, error.hint); }
  // @ts-expect-error money fields keep their spec names
  (await kikuai.balance.get()).balanceMicros;
}
`;
    writeFileSync(path.join(scratchDirectory, 'check-esm.mts'), program);
    writeFileSync(path.join(scratchDirectory, 'check-cjs.cts'), program);
    writeFileSync(
      path.join(scratchDirectory, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'node16',
          moduleResolution: 'node16',
          target: 'ES2022',
          lib: ['ES2022', 'DOM', 'DOM.Iterable'],
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: [],
        },
        files: ['check-esm.mts', 'check-cjs.cts'],
      }),
    );
    run(binary('tsc'), ['-p', '.'], scratchDirectory);
  });

  it('passes publint and Are the Types Wrong', () => {
    const publint = run(binary('publint'), ['--strict', packageDirectory], repositoryRoot);
    expect(publint).not.toMatch(/warning|error/i);
    const attw = run(binary('attw'), [path.join(workDirectory, pack.filename), '--format', 'table-flipped', '--no-color'], repositoryRoot);
    expect(attw).toMatch(/No problems found/);
  });
}, 180_000);
