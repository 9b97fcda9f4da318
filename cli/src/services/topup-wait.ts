import type { Topup } from '@kikuai/sdk';
import { setTimeout as sleep } from 'node:timers/promises';
import { CliError } from './exit-codes.js';

export interface WaitOptions {
  intervalMs: number;
  timeoutMs: number;
  onPoll?(topup: Topup): void;
}

/** Polls until the top-up leaves `pending`; a failed or expired one is an error. */
export async function waitForTopup(getTopup: () => Promise<Topup>, options: WaitOptions): Promise<Topup> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const topup = await getTopup();
    options.onPoll?.(topup);
    if (topup.status === 'completed') return topup;
    if (topup.status !== 'pending') throw new CliError(`Top-up ${topup.id} is ${topup.status}; nothing was credited. Start a new one with \`kikuai topup\`.`);
    if (Date.now() + options.intervalMs > deadline) {
      throw new CliError(
        `Top-up ${topup.id} is still pending after ${Math.round(options.timeoutMs / 1000)} s. It is credited when the payment arrives: check \`kikuai balance\` later.`,
      );
    }
    await sleep(options.intervalMs);
  }
}
