/**
 * Turns a failure into the short reply a user sees (a catalog key and its variables)
 * and the fields we log. Never copies a message's text or a payload into the log.
 */
import { GrammyError, HttpError } from 'grammy';
import { KikuaiError, KikuaiNetworkError, KikuaiTimeoutError, type ErrorCode } from '@kikuai/sdk';

export interface FriendlyError {
  /** Fluent message id of the reply. */
  key: string;
  variables: Record<string, string | number>;
  /** How loud the log line should be: expected conditions are warnings. */
  level: 'warn' | 'error';
  logFields: Record<string, unknown>;
}

/**
 * The bot's words for the problem codes a chat user can meet and act on (Fluent ids in
 * `locales/`); other 4xx and 5xx codes get the status-wide replies below.
 */
const REPLY_BY_CODE: Partial<Record<ErrorCode, string>> = {
  account_suspended: 'error-account-suspended',
  // The bot acts for a Telegram user who never sent /start.
  account_not_found: 'error-no-account',
  too_many_keys: 'error-too-many-keys',
};

const retryAfterSeconds = (error: KikuaiError): number => {
  const header = Number(error.headers?.get('Retry-After'));
  const seconds = error.problem?.retry_after_seconds ?? (Number.isFinite(header) ? header : undefined);
  return typeof seconds === 'number' && seconds > 0 ? Math.ceil(seconds) : 10;
};

export function describeError(error: unknown): FriendlyError {
  if (error instanceof KikuaiNetworkError || error instanceof KikuaiTimeoutError) {
    return { key: 'error-api-down', variables: {}, level: 'warn', logFields: { error: error.name } };
  }
  if (error instanceof KikuaiError) {
    const logFields = { error: 'KikuaiError', status: error.status, code: error.code, request_id: error.requestId };
    if (error.status === 429) return { key: 'error-rate-limited', variables: { seconds: retryAfterSeconds(error) }, level: 'warn', logFields };
    const byCode = REPLY_BY_CODE[error.code as ErrorCode];
    if (byCode) return { key: byCode, variables: {}, level: 'warn', logFields };
    // 503: the API is there but briefly cannot serve (its store is down or restarting): nothing was charged.
    if (error.status === 503) return { key: 'error-api-unavailable', variables: { seconds: retryAfterSeconds(error) }, level: 'warn', logFields };
    if (error.status >= 502) return { key: 'error-api-down', variables: {}, level: 'warn', logFields };
    return { key: 'error-internal', variables: { requestId: error.requestId ?? '—' }, level: 'error', logFields };
  }
  if (error instanceof GrammyError) {
    // `error.payload` holds what we tried to send (maybe a key): log the method and code only.
    const logFields = { error: 'GrammyError', method: error.method, error_code: error.error_code, description: error.description };
    if (error.error_code === 429) {
      return { key: 'error-telegram-busy', variables: { seconds: error.parameters.retry_after ?? 5 }, level: 'warn', logFields };
    }
    return { key: 'error-internal', variables: { requestId: '—' }, level: 'error', logFields };
  }
  if (error instanceof HttpError) {
    return {
      key: 'error-internal',
      variables: { requestId: '—' },
      level: 'error',
      logFields: { error: 'HttpError', message: error.message.replace(/bot\d+:[A-Za-z0-9_-]+/g, 'bot<token>') },
    };
  }
  const name = error instanceof Error ? error.name : typeof error;
  return { key: 'error-internal', variables: { requestId: '—' }, level: 'error', logFields: { error: name } };
}
