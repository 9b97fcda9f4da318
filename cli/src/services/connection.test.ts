import { describe, expect, it } from 'vitest';
import { resolveConnection } from './connection.js';
import type { CredentialsFile } from './credentials-store.js';

const stored: CredentialsFile = {
  version: 1,
  default_profile: 'work',
  profiles: {
    work: { api_key: 'kik_storedstoredstoredstored1234', base_url: 'https://api.example.com' },
    home: { api_key: 'kik_homehomehomehomehomehome5678' },
  },
};

describe('resolveConnection', () => {
  it('uses the default profile when nothing else is given', () => {
    const connection = resolveConnection({}, {}, stored);
    expect(connection).toMatchObject({
      profileName: 'work',
      apiKey: 'kik_storedstoredstoredstored1234',
      apiKeySource: 'profile',
      baseUrl: 'https://api.example.com',
      warnings: [],
    });
  });

  it('lets a flag beat the environment, and the environment beat the profile, with a warning', () => {
    const env = { KIKUAI_API_KEY: 'kik_envenvenvenvenvenvenv0000', KIKUAI_BASE_URL: 'http://localhost:9000/' };
    const fromEnv = resolveConnection({}, env, stored);
    expect(fromEnv).toMatchObject({ apiKey: 'kik_envenvenvenvenvenvenv0000', apiKeySource: 'environment', baseUrl: 'http://localhost:9000' });
    expect(fromEnv.warnings).toEqual([
      'Warning: using the API key from KIKUAI_API_KEY, not the one saved in profile "work" (kik_stor…1234).',
      'Warning: using the server http://localhost:9000/ from KIKUAI_BASE_URL, not https://api.example.com saved in profile "work".',
    ]);
    const fromFlag = resolveConnection({ 'api-key': 'kik_flagflagflagflagflag9999' }, env, stored);
    expect(fromFlag).toMatchObject({ apiKey: 'kik_flagflagflagflagflag9999', apiKeySource: 'flag' });
    expect(fromFlag.warnings[0]).toContain('from --api-key');
  });

  it('picks the profile by flag, then KIKUAI_PROFILE, and falls back to the default server', () => {
    expect(resolveConnection({}, { KIKUAI_PROFILE: 'home' }, stored)).toMatchObject({
      profileName: 'home',
      apiKey: 'kik_homehomehomehomehomehome5678',
      baseUrl: 'http://localhost:8000',
      baseUrlSource: 'default',
    });
    expect(resolveConnection({ profile: 'home' }, { KIKUAI_PROFILE: 'work' }, stored)).toMatchObject({ profileName: 'home' });
    expect(resolveConnection({}, {}, { version: 1, default_profile: 'default', profiles: {} })).toMatchObject({ apiKey: undefined, warnings: [] });
  });
});
