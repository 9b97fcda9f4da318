import { DEFAULT_PROFILE_NAME, type CredentialsFile } from './credentials-store.js';

export const DEFAULT_BASE_URL = 'http://localhost:8000';

export type Source = 'flag' | 'environment' | 'profile' | 'default';

export interface ConnectionFlags {
  'api-key'?: string;
  'base-url'?: string;
  profile?: string;
}

/** Where the CLI will talk to and as whom, and where each value came from. */
export interface Connection {
  profileName: string;
  profileSource: Source;
  apiKey: string | undefined;
  apiKeySource: Source | undefined;
  /** The id of the key in use, when it is the profile's (login saves it). */
  keyId: string | undefined;
  baseUrl: string;
  baseUrlSource: Source;
  /** One line each, for stderr: a flag or variable is hiding what the profile stores. */
  warnings: string[];
}

/**
 * Precedence: flag > environment (`KIKUAI_API_KEY`, `KIKUAI_BASE_URL`, `KIKUAI_PROFILE`)
 * > the profile in the credentials file > defaults. Unlike Stripe's CLI, an explicit flag
 * always beats the environment, and shadowing a stored credential is never silent.
 */
export function resolveConnection(flags: ConnectionFlags, env: NodeJS.ProcessEnv, credentials: CredentialsFile): Connection {
  const [profileName, profileSource] = pick<string>([flags.profile, 'flag'], [env.KIKUAI_PROFILE, 'environment'], [credentials.default_profile, 'profile']) ?? [
    DEFAULT_PROFILE_NAME,
    'default',
  ];
  const stored = credentials.profiles[profileName];

  const apiKey = pick<string>([flags['api-key'], 'flag'], [env.KIKUAI_API_KEY, 'environment'], [stored?.api_key, 'profile']);
  const [baseUrl, baseUrlSource] = pick<string>([flags['base-url'], 'flag'], [env.KIKUAI_BASE_URL, 'environment'], [stored?.base_url, 'profile']) ?? [
    DEFAULT_BASE_URL,
    'default',
  ];

  const warnings: string[] = [];
  if (apiKey && apiKey[1] !== 'profile' && stored?.api_key && stored.api_key !== apiKey[0]) {
    warnings.push(
      `Warning: using the API key from ${describe(apiKey[1], 'api-key')}, not the one saved in profile "${profileName}" (${maskSecret(stored.api_key)}).`,
    );
  }
  if (baseUrlSource !== 'profile' && stored?.base_url && normalizeBaseUrl(stored.base_url) !== normalizeBaseUrl(baseUrl)) {
    warnings.push(
      `Warning: using the server ${baseUrl} from ${describe(baseUrlSource, 'base-url')}, not ${stored.base_url} saved in profile "${profileName}".`,
    );
  }

  return {
    profileName,
    profileSource,
    apiKey: apiKey?.[0],
    apiKeySource: apiKey?.[1],
    keyId: apiKey?.[1] === 'profile' ? stored?.key_id : undefined,
    baseUrl: normalizeBaseUrl(baseUrl),
    baseUrlSource,
    warnings,
  };
}

function pick<T>(...candidates: Array<[T | undefined, Source]>): [T, Source] | undefined {
  for (const [value, source] of candidates) {
    if (typeof value === 'string' ? value.trim() !== '' : value !== undefined) return [value as T, source];
  }
  return undefined;
}

function describe(source: Source, flag: 'api-key' | 'base-url'): string {
  if (source === 'flag') return `--${flag}`;
  if (source === 'environment') return flag === 'api-key' ? 'KIKUAI_API_KEY' : 'KIKUAI_BASE_URL';
  return 'the default';
}

export function normalizeBaseUrl(url: string): string {
  return url.trim().replace(/\/+$/, '');
}

/** `kik_7hQ2…9xYz`: enough to recognise a key, never enough to use it. */
export function maskSecret(secret: string): string {
  if (secret.length <= 12) return `${secret.slice(0, 4)}…`;
  return `${secret.slice(0, 8)}…${secret.slice(-4)}`;
}
