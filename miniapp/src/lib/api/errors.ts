import { KikuaiNetworkError, KikuaiTimeoutError, type ErrorCode } from '@kikuai/sdk';
import { ApiError } from './client.js';
import type { Text } from '../i18n/translate.js';

export type FailureKind = 'auth' | 'unreachable' | 'suspended' | 'rejected';

/** What the user reads about an error, in catalog keys (translated where shown) or the server's own words. */
export interface Failure {
  kind: FailureKind;
  title: Text;
  message: Text;
  requestId?: string | undefined;
}

const authCodes = new Set<string>(['invalid_init_data', 'init_data_expired', 'unauthenticated'] satisfies ErrorCode[]);

/** The Mini App's words for the codes its user can act on; other refusals show the server's `detail`. */
const wordsByCode: Partial<Record<ErrorCode, Omit<Failure, 'requestId'>>> = {
  account_suspended: { kind: 'suspended', title: 'failure.suspended.title', message: 'failure.suspended.message' },
  too_many_keys: { kind: 'rejected', title: 'failure.too-many-keys.title', message: 'failure.too-many-keys.message' },
};

/** What the user should read about an error, never the raw credentials or a stack. */
export function describeFailure(error: unknown): Failure {
  if (error instanceof KikuaiNetworkError || error instanceof KikuaiTimeoutError) {
    return { kind: 'unreachable', title: 'failure.unreachable.title', message: 'failure.unreachable.message' };
  }
  if (error instanceof ApiError) {
    const code = error.code ?? '';
    const requestId = error.requestId;
    if (error.status === 401 || authCodes.has(code)) {
      const title = code === 'init_data_expired' ? 'failure.expired.title' : 'failure.auth.title';
      return { kind: 'auth', title, message: 'failure.auth.message', requestId };
    }
    const words = wordsByCode[code as ErrorCode];
    if (words) return { ...words, requestId };
    if (error.status >= 500) return { kind: 'unreachable', title: 'failure.trouble.title', message: 'failure.trouble.message', requestId };
    return { kind: 'rejected', title: 'failure.rejected.title', message: { text: error.detail ?? error.message }, requestId };
  }
  return { kind: 'rejected', title: 'failure.other.title', message: { text: error instanceof Error ? error.message : String(error) } };
}
