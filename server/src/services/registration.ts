/** How a Telegram user becomes an account: one place for the bot's /start, the Mini App's register and its first request. */
import type { ServerContext } from '../context.js';
import { generateApiKey } from '../auth/api-key.js';
import { newKeyId } from '../store/ids.js';
import type { FirstKeyShownIn, RegisterResult, TelegramUser } from '../store/types.js';

/**
 * A new account living on its signup credit is not "running low": its threshold starts at
 * half the credit (the warning comes when half of it is spent), or at the operator's
 * default when that is lower.
 */
export function newAccountThreshold(defaultThreshold: number, signupCredit: number): number {
  return signupCredit > 0 ? Math.min(defaultThreshold, Math.floor(signupCredit / 2)) : defaultThreshold;
}

/**
 * Creates the account of `user` with its first key and the signup credit, or finds the
 * existing one. `shownIn`: who will show the first key's secret (null: nobody will).
 * The secret is returned to the caller only; the store keeps its hash.
 */
export async function registerTelegramUser(
  context: ServerContext,
  user: TelegramUser,
  shownIn: FirstKeyShownIn | null,
): Promise<RegisterResult & { secret: string }> {
  const key = generateApiKey();
  const { signupCreditMicros, defaultLowBalanceMicros } = context.config;
  const result = await context.store.register(
    user,
    { id: newKeyId(), name: 'default', prefix: key.prefix, last_four: key.last_four, hash: key.hash },
    context.now().toISOString(),
    {
      first_key_shown_in: shownIn,
      signup_credit_micros: signupCreditMicros,
      low_balance_threshold_micros: newAccountThreshold(defaultLowBalanceMicros, signupCreditMicros),
    },
  );
  return { ...result, secret: key.secret };
}
