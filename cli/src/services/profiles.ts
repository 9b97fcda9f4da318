import { maskSecret, type Connection } from './connection.js';
import type { CredentialsFile } from './credentials-store.js';
import { UsageError } from './exit-codes.js';
import { renderTable } from './table.js';
import type { Paint } from './terminal.js';
import { didYouMean } from './usage-error.js';

/** A saved profile as `kikuai profiles --json` shows it: never the secret, only enough of it to recognise. */
export interface ProfileSummary {
  name: string;
  /** Used when neither --profile nor KIKUAI_PROFILE names another. */
  default: boolean;
  /** The one this run uses (--profile and KIKUAI_PROFILE beat the default). */
  active: boolean;
  base_url: string | null;
  account_id: string | null;
  key_id: string | null;
  key_hint: string;
  saved_at: string | null;
}

/** `--json` output of `kikuai profiles`. */
export interface ProfileList {
  default_profile: string | null;
  active_profile: string;
  profiles: ProfileSummary[];
}

export function listProfiles(credentials: CredentialsFile, connection: Pick<Connection, 'profileName'>): ProfileList {
  const names = Object.keys(credentials.profiles).sort();
  return {
    default_profile: credentials.profiles[credentials.default_profile] ? credentials.default_profile : null,
    active_profile: connection.profileName,
    profiles: names.map((name) => {
      const profile = credentials.profiles[name]!;
      return {
        name,
        default: name === credentials.default_profile,
        active: name === connection.profileName,
        base_url: profile.base_url ?? null,
        account_id: profile.account_id ?? null,
        key_id: profile.key_id ?? null,
        key_hint: maskSecret(profile.api_key),
        saved_at: profile.saved_at ?? null,
      };
    }),
  };
}

export function renderProfiles(list: ProfileList, paint: Paint): string {
  if (list.profiles.length === 0) return 'No saved profiles. Save one with `kikuai login` (add --profile NAME for a second one).';
  return renderTable(
    list.profiles,
    [
      { header: ' ', value: (profile) => (profile.active ? paint.green('*') : ' ') },
      { header: 'NAME', value: (profile) => (profile.default ? `${paint.bold(profile.name)} (default)` : profile.name) },
      { header: 'SERVER', value: (profile) => profile.base_url ?? '-' },
      { header: 'ACCOUNT', value: (profile) => profile.account_id ?? '-' },
      { header: 'KEY', value: (profile) => profile.key_id ?? profile.key_hint },
      { header: 'SAVED', value: (profile) => profile.saved_at?.slice(0, 10) ?? '-' },
    ],
    { header: paint.dim },
  );
}

/** The usage error for a profile name that is not saved, with the name it most likely meant. */
export function unknownProfile(name: string, credentials: CredentialsFile): UsageError {
  const names = Object.keys(credentials.profiles).sort();
  if (names.length === 0) return new UsageError(`No profile "${name}": nothing is saved yet. Save one with \`kikuai login --profile ${name}\`.`);
  const guess = didYouMean(name, names);
  return new UsageError(`No profile "${name}".${guess ? ` Did you mean "${guess}"?` : ''} Saved: ${names.join(', ')}.`);
}
