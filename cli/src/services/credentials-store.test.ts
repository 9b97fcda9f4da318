import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { credentialsPath, readCredentials, removeProfile, resolveConfigDir, saveProfile } from './credentials-store.js';

describe('credentials store', () => {
  const roots: string[] = [];
  const configDir = () => {
    const root = mkdtempSync(path.join(tmpdir(), 'kikuai-store-'));
    roots.push(root);
    return path.join(root, 'nested', 'kikuai');
  };
  afterEach(() => roots.splice(0).forEach((root) => rmSync(root, { recursive: true, force: true })));

  it('writes profiles 0600 in a 0700 directory, and the first or named one becomes the default', async () => {
    const dir = configDir();
    await saveProfile(dir, 'default', { api_key: 'kik_one' });
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    await saveProfile(dir, 'work', { api_key: 'kik_two' });
    expect((await readCredentials(dir)).default_profile).toBe('default');
    await saveProfile(dir, 'work', { api_key: 'kik_two' }, { makeDefault: true });
    expect(await readCredentials(dir)).toEqual({
      version: 1,
      default_profile: 'work',
      profiles: { default: { api_key: 'kik_one' }, work: { api_key: 'kik_two' } },
    });

    expect(await removeProfile(dir, 'work')).toBe(true);
    expect(await removeProfile(dir, 'work')).toBe(false);
    expect((await readCredentials(dir)).default_profile).toBe('default');
    expect(statSync(credentialsPath(dir)).mode & 0o777).toBe(0o600);
  });

  it('reads a missing file as no profiles, and names a broken file', async () => {
    const dir = configDir();
    expect(await readCredentials(dir)).toEqual({ version: 1, default_profile: 'default', profiles: {} });
    await saveProfile(dir, 'default', { api_key: 'kik_one' });
    writeFileSync(credentialsPath(dir), '{not json');
    await expect(readCredentials(dir)).rejects.toThrow(`The credentials file ${credentialsPath(dir)} is not valid JSON`);
  });

  it('prefers KIKUAI_CONFIG_DIR over oclif’s directory', () => {
    expect(resolveConfigDir('/home/me/.config/kikuai', { KIKUAI_CONFIG_DIR: '/tmp/x' })).toBe('/tmp/x');
    expect(resolveConfigDir('/home/me/.config/kikuai', {})).toBe('/home/me/.config/kikuai');
  });
});
