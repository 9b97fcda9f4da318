/**
 * `npm i -g kikuai` from the packed tarball gives a working `kikuai`. The SDK is not on
 * the registry yet, so its tarball is installed alongside; everything else comes from
 * npm's cache where it can (`--prefer-offline`). Not `--offline`: `npm ci` caches
 * tarballs but not the registry's package documents that resolving a range needs, so
 * a machine that only ran `npm ci` would fail here.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repository = fileURLToPath(new URL('../../', import.meta.url));

describe('the packed kikuai', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'kikuai-install-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('installs globally and runs', { timeout: 120_000 }, () => {
    const npm = (args: string[]) => execFileSync('npm', args, { cwd: repository, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    npm(['pack', '-w', '@kikuai/sdk', '-w', 'kikuai', '--ignore-scripts', '--pack-destination', scratch]);
    const prefix = path.join(scratch, 'global');
    npm([
      'i',
      '-g',
      '--prefix',
      prefix,
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      path.join(scratch, 'kikuai-sdk-0.1.0.tgz'),
      path.join(scratch, 'kikuai-0.1.0.tgz'),
    ]);
    const kikuai = path.join(prefix, 'bin', 'kikuai');
    expect(execFileSync(kikuai, ['--version'], { encoding: 'utf8' })).toMatch(/^kikuai\/0\.1\.0 /);
    expect(execFileSync(kikuai, ['--help'], { encoding: 'utf8' })).toContain('EXIT CODES');
    expect(execFileSync(kikuai, ['keys', '--help'], { encoding: 'utf8' })).toContain('keys rotate');
  });
});
