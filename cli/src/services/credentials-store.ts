import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One account on one server, as `kikuai login` saved it. */
export interface StoredProfile {
  api_key: string;
  base_url?: string;
  account_id?: string;
  key_id?: string;
  saved_at?: string;
}

export interface CredentialsFile {
  version: 1;
  default_profile: string;
  profiles: Record<string, StoredProfile>;
}

export const CREDENTIALS_FILE_NAME = 'credentials.json';
export const DEFAULT_PROFILE_NAME = 'default';

/** `$KIKUAI_CONFIG_DIR` wins over oclif's per-user config directory (tests and CI point it elsewhere). */
export function resolveConfigDir(oclifConfigDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.KIKUAI_CONFIG_DIR?.trim();
  return override ? path.resolve(override) : oclifConfigDir;
}

export function credentialsPath(configDir: string): string {
  return path.join(configDir, CREDENTIALS_FILE_NAME);
}

function emptyCredentials(): CredentialsFile {
  return { version: 1, default_profile: DEFAULT_PROFILE_NAME, profiles: {} };
}

export async function readCredentials(configDir: string): Promise<CredentialsFile> {
  let text: string;
  try {
    text = await readFile(credentialsPath(configDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyCredentials();
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<CredentialsFile>;
    return {
      version: 1,
      default_profile: typeof parsed.default_profile === 'string' ? parsed.default_profile : DEFAULT_PROFILE_NAME,
      profiles: parsed.profiles && typeof parsed.profiles === 'object' ? parsed.profiles : {},
    };
  } catch {
    throw new Error(`The credentials file ${credentialsPath(configDir)} is not valid JSON. Fix it or delete it and run \`kikuai login\` again.`);
  }
}

/**
 * Writes the file with mode 0600 in a directory with mode 0700. The data goes to a
 * temporary file created 0600 and is renamed over the old one, so the secret is never
 * readable by others, even for a moment, and a crash never leaves half a file.
 */
export async function writeCredentials(configDir: string, credentials: CredentialsFile): Promise<void> {
  await mkdir(configDir, { recursive: true, mode: 0o700 });
  await chmod(configDir, 0o700);
  const target = credentialsPath(configDir);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, target);
}

export async function saveProfile(configDir: string, name: string, profile: StoredProfile, options: { makeDefault?: boolean } = {}): Promise<void> {
  const credentials = await readCredentials(configDir);
  credentials.profiles[name] = profile;
  if (options.makeDefault || Object.keys(credentials.profiles).length === 1) credentials.default_profile = name;
  await writeCredentials(configDir, credentials);
}

/** Returns false when there was no such profile. */
export async function removeProfile(configDir: string, name: string): Promise<boolean> {
  const credentials = await readCredentials(configDir);
  if (!credentials.profiles[name]) return false;
  delete credentials.profiles[name];
  if (credentials.default_profile === name) credentials.default_profile = Object.keys(credentials.profiles)[0] ?? DEFAULT_PROFILE_NAME;
  await writeCredentials(configDir, credentials);
  return true;
}

/** Makes `name` the profile commands use when neither --profile nor KIKUAI_PROFILE names one. Returns false when there is no such profile. */
export async function setDefaultProfile(configDir: string, name: string): Promise<boolean> {
  const credentials = await readCredentials(configDir);
  if (!credentials.profiles[name]) return false;
  credentials.default_profile = name;
  await writeCredentials(configDir, credentials);
  return true;
}
