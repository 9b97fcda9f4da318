import type { RequestOptions } from '@kikuai/sdk';
import { Args, Flags } from '@oclif/core';
import { parseUsd } from './services/money.js';
import { parseWhen, toTimestamp } from './services/when.js';

/** A USD amount such as `10` or `12.50`, parsed to integer micro-USD (no floats). */
export const usdFlag = Flags.custom<number>({
  helpValue: '<usd>',
  async parse(input) {
    const amount = parseUsd(input);
    if (!amount.ok) throw new Error(`Expected a USD amount such as 10 or 12.50 (at most six decimals), got "${input}".`);
    return amount.micros;
  },
});

const PAYMENT_METHODS = ['paddle', 'stars'] as const;

/** `--method paddle|stars`, checked in its parser so that it is checked after the flags listed before it. */
export const paymentMethodFlag = Flags.custom<(typeof PAYMENT_METHODS)[number]>({
  helpValue: PAYMENT_METHODS.join('|'),
  async parse(input) {
    const method = PAYMENT_METHODS.find((name) => name === input);
    if (!method) throw new Error(`Expected ${PAYMENT_METHODS.join(' or ')}, got "${input}".`);
    return method;
  },
});

export const yesFlag = Flags.boolean({ char: 'y', summary: 'Do not ask for confirmation (required when stdin is not a terminal or CI is set).' });

export const profileNameArg = Args.string({ description: 'The profile, as `kikuai profiles` lists it.', required: true });

export const keyIdArg = Args.string({ description: 'The key id (key_…), as `kikuai keys list` shows it.', required: true });

export const productsFlag = Flags.string({
  summary: 'Only these products may be called with the key (comma-separated product ids).',
  helpValue: '<ids>',
});

export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

export const PERMISSIONS = ['products:call', 'billing:read', 'billing:write', 'keys:manage'] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** `--permissions products:call,billing:read` (or `all`), checked against the four permissions. */
export const permissionsFlag = Flags.custom<Permission[]>({
  summary: `What the key may do, comma-separated: ${PERMISSIONS.join(', ')}, or all.`,
  helpValue: '<list>',
  async parse(input) {
    const items = splitList(input);
    if (items.length === 1 && items[0] === 'all') return [...PERMISSIONS];
    const unknown = items.find((item) => !(PERMISSIONS as readonly string[]).includes(item));
    if (unknown !== undefined) throw new Error(`Unknown permission "${unknown}": use ${PERMISSIONS.join(', ')} or all.`);
    return PERMISSIONS.filter((permission) => items.includes(permission));
  },
});

/** The operator's token for `kikuai admin …`: from the flag or KIKUAI_ADMIN_TOKEN, never echoed. */
export const adminTokenFlag = Flags.string({
  summary: "The server's admin token (env: KIKUAI_ADMIN_TOKEN).",
  env: 'KIKUAI_ADMIN_TOKEN',
  helpValue: '<token>',
});

/**
 * `--idempotency-key` on commands that move money or create keys: run again with the same
 * key and the same request, the server answers as the first time instead of doing it twice
 * (the API keeps keys for 24 hours). Without it, the SDK makes one per run.
 */
export const idempotencyKeyFlag = Flags.custom<string>({
  summary: 'Makes a rerun safe: the same key with the same request is done once (kept 24 h).',
  helpValue: '<key>',
  async parse(input) {
    // The contract's pattern for the Idempotency-Key header.
    if (!/^[\x21-\x7E]{1,255}$/.test(input)) throw new Error(`Expected 1 to 255 printable ASCII characters without spaces, got "${input}".`);
    return input;
  },
});

/** The SDK's request options for a command's `--idempotency-key`. */
export function idempotencyOptions(flags: { 'idempotency-key'?: string }): RequestOptions {
  return flags['idempotency-key'] ? { idempotencyKey: flags['idempotency-key'] } : {};
}

const WHEN_EXAMPLES = 'tomorrow, 30d, 2h, 2027-01-01 or 2027-01-01T12:00:00Z';

/** `--expires` as people type it (`tomorrow`, `30d`, `2h`, ISO dates), in the future, sent as an RFC 3339 timestamp. */
export const expiresFlag = Flags.custom<string>({
  summary: `When the key stops working: ${WHEN_EXAMPLES} (dates are UTC).`,
  helpValue: '<when>',
  async parse(input) {
    const when = await parseWhen(input);
    if (!when) throw new Error(`Expected a date or a time from now such as ${WHEN_EXAMPLES}, got "${input}".`);
    if (when.getTime() <= Date.now()) throw new Error(`"${input}" is ${toTimestamp(when)}, in the past: an expiry must be in the future.`);
    return toTimestamp(when);
  },
});
