/**
 * API key format: `kik_` + 43 base62 characters of CSPRNG entropy (32 bytes) + a
 * 6-character base62 CRC32 checksum of that entropy (as GitHub's tokens do), so a
 * mistyped or truncated key is refused without touching the store, and secret
 * scanners can recognise a leaked one by shape. Only the SHA-256 of a key is stored.
 */
import { hash as digest, randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const PREFIX = 'kik_';
const ENTROPY_LENGTH = 43; // 62^43 > 2^256
const CHECKSUM_LENGTH = 6; // 62^6 > 2^32
export const API_KEY_PATTERN = /^kik_[0-9A-Za-z]{49}$/;

function toBase62(value: bigint, length: number): string {
  let text = '';
  let rest = value;
  while (rest > 0n) {
    text = ALPHABET[Number(rest % 62n)] + text;
    rest /= 62n;
  }
  return text.padStart(length, '0');
}

/** Base62 of the CRC32, in plain numbers: it is checked on every authenticated request. */
function checksumOf(entropy: string): string {
  let rest = crc32(entropy);
  let text = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    text = ALPHABET[rest % 62] + text;
    rest = Math.floor(rest / 62);
  }
  return text;
}

export interface GeneratedKey {
  secret: string;
  hash: string;
  prefix: string;
  last_four: string;
}

export function generateApiKey(): GeneratedKey {
  const entropy = toBase62(BigInt(`0x${randomBytes(32).toString('hex')}`), ENTROPY_LENGTH);
  const secret = `${PREFIX}${entropy}${checksumOf(entropy)}`;
  return { secret, hash: hashApiKey(secret), prefix: secret.slice(0, 8), last_four: secret.slice(-4) };
}

/** True when the text has the shape of a kikuai key and its checksum matches. */
export function isWellFormedApiKey(text: string): boolean {
  if (!API_KEY_PATTERN.test(text)) return false;
  const entropy = text.slice(PREFIX.length, PREFIX.length + ENTROPY_LENGTH);
  return text.slice(PREFIX.length + ENTROPY_LENGTH) === checksumOf(entropy);
}

/** One-shot SHA-256 (`crypto.hash`): no Hash object to allocate and collect on the hot path. */
export function hashApiKey(secret: string): string {
  return digest('sha256', secret, 'hex');
}
