import type { Topup, TopupOptions } from '@kikuai/sdk';
import { CliError, UsageError } from './exit-codes.js';
import { formatUsd } from './money.js';

const MICROS_PER_CENT = 10_000;

/**
 * Checks a top-up against what the server offers, the amount first: a wrong amount is
 * the mistake the user can fix at once, whatever the method. Throws the one line to print.
 */
export function checkTopupRequest(offered: TopupOptions, method: Topup['method'], amountMicros: number): void {
  if (amountMicros < offered.min_micros || amountMicros > offered.max_micros) {
    throw new UsageError(`A top-up is between ${formatUsd(offered.min_micros)} and ${formatUsd(offered.max_micros)}; got ${formatUsd(amountMicros)}.`);
  }
  if (method === 'stars' && amountMicros > offered.stars_max_micros) {
    throw new UsageError(
      `One Telegram Stars top-up is at most ${formatUsd(offered.stars_max_micros)} (10,000 Stars); got ${formatUsd(amountMicros)}. Pay more by card (--method paddle) or in several top-ups.`,
    );
  }
  if (method === 'paddle' && amountMicros % MICROS_PER_CENT !== 0) {
    throw new UsageError(`Card top-ups are whole cents; got ${formatUsd(amountMicros)}.`);
  }
  if (!offered.methods.includes(method)) {
    const others = offered.methods.map((name) => `--method ${name}`).join(' or ');
    throw new CliError(
      `This server does not offer ${method === 'paddle' ? 'card payments (paddle)' : 'Telegram Stars'} to you${others ? `: use ${others}` : ''}.`,
    );
  }
}
