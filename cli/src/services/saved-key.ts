import type { ApiKeyWithSecret } from '@kikuai/sdk';
import type { Connection } from './connection.js';
import { readCredentials, writeCredentials } from './credentials-store.js';

/** After `keys rotate`: keep the saved profile working when its own key was rotated. */
export async function updateSavedKeyAfterRotation(configDir: string, connection: Connection, key: ApiKeyWithSecret): Promise<boolean> {
  if (connection.apiKeySource !== 'profile') return false;
  const credentials = await readCredentials(configDir);
  const profile = credentials.profiles[connection.profileName];
  if (!profile || profile.key_id !== key.id) return false;
  profile.api_key = key.secret;
  profile.saved_at = new Date().toISOString();
  await writeCredentials(configDir, credentials);
  return true;
}
