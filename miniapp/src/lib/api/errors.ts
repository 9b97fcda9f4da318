import { KikuaiError, KikuaiNetworkError, KikuaiTimeoutError, type ErrorCode } from '@kikuai/sdk';

export type FailureKind = 'auth' | 'unreachable' | 'suspended' | 'rejected';

export interface Failure {
  kind: FailureKind;
  title: string;
  message: string;
  requestId?: string | undefined;
}

const authCodes = new Set<string>(['invalid_init_data', 'init_data_expired', 'unauthenticated'] satisfies ErrorCode[]);

/** The Mini App's words for the codes its user can act on; other refusals show the server's `detail`. */
const wordsByCode: Partial<Record<ErrorCode, { kind: FailureKind; title: string; message: string }>> = {
  account_suspended: { kind: 'suspended', title: 'Your account is suspended', message: 'Contact support through the bot (/support).' },
  too_many_keys: {
    kind: 'rejected',
    title: 'Too many keys',
    message: 'Your account holds as many API keys as it may. Revoke one you no longer use, then create the new one.',
  },
};

/** What the user should read about an error, never the raw credentials or a stack. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof KikuaiNetworkError || error instanceof KikuaiTimeoutError) {
    return {
      kind: 'unreachable',
      title: 'kikuai is not reachable',
      message: 'The server did not answer. Check your connection and try again in a moment.',
    };
  }
  if (error instanceof KikuaiError) {
    const code = error.code ?? '';
    if (error.status === 401 || authCodes.has(code)) {
      return {
        kind: 'auth',
        title: code === 'init_data_expired' ? 'This session has expired' : 'Telegram could not confirm who you are',
        message: 'Close the app and open it again from the bot so Telegram can sign you in afresh.',
        requestId: error.requestId,
      };
    }
    const words = wordsByCode[code as ErrorCode];
    if (words) return { ...words, requestId: error.requestId };
    if (error.status >= 500) {
      return {
        kind: 'unreachable',
        title: 'kikuai is having trouble',
        message: 'Something went wrong on our side; nothing was charged. Try again in a moment.',
        requestId: error.requestId,
      };
    }
    return { kind: 'rejected', title: 'That did not work', message: error.detail ?? error.message, requestId: error.requestId };
  }
  return { kind: 'rejected', title: 'Something went wrong', message: error instanceof Error ? error.message : String(error) };
}
