/**
 * The install lines that work before publishing: `npm run pack:cli` writes the SDK and CLI
 * tarballs, `npm i -g` of both gives a working `kikuai`, and the SDK README's quick start
 * runs as written in a fresh `npm init -y` project. Everything is packed from a scratch
 * copy of the repository and installed into temp folders, with no registry but a local one
 * that serves the lock file's metadata (the tarballs come from the npm cache).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJson, startRecordingServer, startTestServer, testProductsYaml, type RecordingServer, type TestServer } from '@kikuai/testkit';
import { startLockfileRegistry, type LockfileRegistry } from '../support/lockfile-registry.js';
import { copyRepository, repositoryRoot, type ScratchRepository } from '../support/scratch-repository.js';

const run = promisify(execFile);
const CREDIT_MICROS = 2_500_000;

/** The first ```js block after the README's "## Quick start" heading, and the file name it states. */
function quickStart(readme: string): { fileName: string; code: string } {
  const section = readme.slice(readme.indexOf('## Quick start'));
  const block = /```js\n([\s\S]*?)```/.exec(section);
  const fileName = /`([\w-]+\.mjs)`/.exec(section)?.[1];
  if (!block?.[1] || !fileName) throw new Error('sdk/README.md: no ```js quick start naming its .mjs file');
  return { fileName, code: block[1] };
}

describe('install from the packed tarballs', () => {
  let repository: ScratchRepository;
  let registry: LockfileRegistry;
  let upstream: RecordingServer;
  let server: TestServer;
  let apiKey = '';
  const scratch = mkdtempSync(path.join(tmpdir(), 'kikuai-install-'));
  const packs = path.join(scratch, 'packs');
  const npmEnvironment = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? scratch,
    npm_config_registry: registry.url,
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
  });

  beforeAll(async () => {
    repository = copyRepository();
    await run(process.execPath, ['scripts/pack.mjs', packs], { cwd: repository.root });
    registry = await startLockfileRegistry(repositoryRoot);
    upstream = await startRecordingServer((request, response) => sendJson(response, 200, { reply: 'Hello from the upstream', path: request.url.pathname }));
    const productsFile = path.join(scratch, 'products.yaml');
    writeFileSync(productsFile, testProductsYaml({ priceMicros: 1000, withCredential: false }));
    server = await startTestServer({ env: { KIKUAI_PRODUCTS_FILE: productsFile, RELIAPI_URL: upstream.url } });
    const registered = await server.register();
    await server.credit(registered.account.id, CREDIT_MICROS);
    apiKey = registered.apiKey;
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
    await registry?.close();
    repository?.remove();
    rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  });

  it('packs the SDK and the CLI', () => {
    expect(readdirSync(packs).sort()).toEqual(['kikuai-0.1.0.tgz', 'kikuai-sdk-0.1.0.tgz']);
  });

  it('installs a working kikuai binary with npm i -g of both tarballs', async () => {
    const prefix = path.join(scratch, 'global');
    await run('npm', ['i', '-g', '--prefix', prefix, path.join(packs, 'kikuai-sdk-0.1.0.tgz'), path.join(packs, 'kikuai-0.1.0.tgz')], {
      cwd: scratch,
      env: npmEnvironment(),
    });
    const kikuai = path.join(prefix, 'bin/kikuai');
    const cliEnvironment = {
      PATH: process.env.PATH ?? '',
      KIKUAI_CONFIG_DIR: path.join(scratch, 'cli-config'),
      KIKUAI_API_KEY: apiKey,
      KIKUAI_BASE_URL: server.url,
    };

    const version = await run(kikuai, ['--version'], { env: cliEnvironment });
    const balance = await run(kikuai, ['balance', '--json'], { env: cliEnvironment });

    expect(version.stdout).toMatch(/^kikuai\/0\.1\.0 /);
    expect(JSON.parse(balance.stdout)).toMatchObject({ balance_micros: CREDIT_MICROS });
    expect(registry.misses).toEqual([]);
  }, 300_000);

  it("runs the SDK README's quick start as written in a fresh npm init -y project", async () => {
    const project = path.join(scratch, 'quick-start');
    const { fileName, code } = quickStart(readFileSync(path.join(repositoryRoot, 'sdk/README.md'), 'utf8'));
    await run('mkdir', ['-p', project]);
    await run('npm', ['init', '-y'], { cwd: project, env: npmEnvironment() });
    expect(JSON.parse(readFileSync(path.join(project, 'package.json'), 'utf8')).type ?? 'commonjs').toBe('commonjs');
    await run('npm', ['i', path.join(packs, 'kikuai-sdk-0.1.0.tgz')], { cwd: project, env: npmEnvironment() });
    writeFileSync(path.join(project, fileName), code);

    const { stdout } = await run(process.execPath, [fileName], {
      cwd: project,
      env: { PATH: process.env.PATH ?? '', KIKUAI_API_KEY: apiKey, KIKUAI_BASE_URL: server.url },
    });

    expect(stdout).toContain('balance: 2.500000 USD');
    expect(stdout).toContain('Hello from the upstream');
    expect(upstream.requests.at(-1)?.url.pathname).toBe('/proxy/llm');
    expect(registry.misses).toEqual([]);
  }, 300_000);
});
