import { formatUsd } from './money.js';
import type { ErrorCode } from '@kikuai/sdk';
import { CliError, ExitCode, type ExitCodeValue } from './exit-codes.js';
import type { Paint } from './terminal.js';
import { endSentence } from './usage-error.js';

/** What a failure looks like to the user: one line, and the code the process ends with. */
export interface ErrorReport {
  message: string;
  exitCode: ExitCodeValue;
}

/** The shape of the SDK's `KikuaiError` (matched by shape so this module never loads the SDK). */
interface ApiProblem extends Error {
  name: string;
  status: number;
  code?: string;
  title?: string;
  detail?: string;
  requestId?: string;
  headers?: Headers;
  costMicros?: number | null;
  /** Set when the body was a kikuai problem; unset when an upstream product answered with its own body. */
  problem?: unknown;
  body?: unknown;
}

/** What the CLI knows about the failed call, to fill in the command it suggests. */
export interface ErrorContext {
  baseUrl?: string;
  /** The id of the key in use, when the profile saved it (a key from a flag or the environment has none here). */
  keyId?: string;
}

/**
 * What to do next, in the CLI's terms, for the codes a CLI user meets. The server's
 * `detail` says what happened and names no command; this says what to run, with the
 * key's id filled in when it is known, and never a placeholder to fill by hand.
 */
const NEXT_STEP: Partial<Record<ErrorCode, (context: ErrorContext) => string>> = {
  unauthenticated: () => 'Run `kikuai login`, or pass --api-key or set KIKUAI_API_KEY.',
  invalid_admin_token: () => "Pass the server's KIKUAI_ADMIN_TOKEN with --admin-token or the KIKUAI_ADMIN_TOKEN variable.",
  invalid_api_key: () => 'Check that the key was copied whole, or run `kikuai login` with a current one.',
  key_not_found: () => 'Check that the key was copied whole, or run `kikuai login` with a current one.',
  key_revoked: () => 'Create a new key with `kikuai keys create` using another key, or in the bot (/api_key), and run `kikuai login` with it.',
  key_disabled: ({ keyId }) => `Enable it again with ${keysUpdate(keyId, '--enable')} using another key.`,
  key_expired: ({ keyId }) => `Create a new key with \`kikuai keys create\`, or clear the expiry with ${keysUpdate(keyId, '--no-expires')}, using another key.`,
  account_suspended: () => 'Contact support (/support in the bot).',
  account_not_found: () => 'Run `kikuai login` with a key of your current account.',
  product_not_allowed: ({ keyId }) => `Allow the product with ${keysUpdate(keyId, '--products …')} using another key, or use a key that may call it.`,
  permission_denied: ({ keyId }) =>
    keyId
      ? `Use a key with that permission (\`kikuai keys show ${keyId}\` lists this one's).`
      : 'Use a key with that permission (`kikuai keys list` shows what each holds).',
  key_bounds_exceeded: () => 'A key can give or change only what it holds itself; use a wider key, the bot or the Mini App.',
  too_many_keys: () => 'Revoke a key you no longer use first (`kikuai keys list`, then `kikuai keys revoke` with its id).',
  insufficient_balance: () => 'Top up with `kikuai topup --amount 10`.',
  spend_limit_reached: ({ keyId }) => `Raise the limit with ${keysUpdate(keyId, '--spend-limit …')} or wait for it to reset.`,
  rate_limited: () => 'Wait a moment and try again.',
  store_unavailable: () => 'Try again in a moment.',
};

/** `kikuai keys update key_… --enable` when the key's id is known; otherwise the argument's name and where to find it. */
function keysUpdate(keyId: string | undefined, flags: string): string {
  return keyId ? `\`kikuai keys update ${keyId} ${flags}\`` : `\`kikuai keys update KEY-ID ${flags}\` (KEY-ID from \`kikuai keys list\`)`;
}

function isApiProblem(error: unknown): error is ApiProblem {
  return error instanceof Error && error.name === 'KikuaiError' && typeof (error as Partial<ApiProblem>).status === 'number';
}

export function exitCodeForStatus(status: number, code?: string): ExitCodeValue {
  if (status === 401 || status === 403) return ExitCode.authentication;
  if (status === 402) return ExitCode.paymentRequired;
  if (status === 429) return ExitCode.rateLimited;
  if (status === 503) return ExitCode.unavailable;
  if (status === 400 && (code === 'validation_failed' || code === 'invalid_amount' || code === 'malformed_json')) return ExitCode.usage;
  return ExitCode.error;
}

/** The one shape of every error the CLI prints, its own, the API's and oclif's alike. */
export function errorLine(message: string, paint: Paint): string {
  return `${paint.red('Error:')} ${message}`;
}

export function reportError(error: unknown, context: ErrorContext = {}): ErrorReport {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };

  if (isApiProblem(error) && error.problem === undefined && error.body !== undefined && error.costMicros !== null && error.costMicros !== undefined) {
    // A proxied product refused the call with its own body (printed by the command): its
    // status says nothing about the kikuai key or balance, so the exit code stays 1.
    const charged = error.costMicros ? ` The call was charged ${formatUsd(error.costMicros)}.` : ' Nothing was charged.';
    return {
      message: `The product answered HTTP ${error.status}; its answer is on stdout.${charged}${error.requestId ? ` (request ${error.requestId})` : ''}`,
      exitCode: ExitCode.error,
    };
  }

  if (isApiProblem(error)) {
    // What happened (the server's detail), then what to do (ours): each said once.
    const parts = [endSentence(error.detail || error.title || error.message || `HTTP ${error.status}`)];
    const retryAfter = error.status === 429 || error.status === 503 ? error.headers?.get('retry-after') : undefined;
    const nextStep = retryAfter ? `Retry after ${retryAfter} s.` : error.code ? NEXT_STEP[error.code as ErrorCode]?.(context) : undefined;
    if (nextStep) parts.push(nextStep);
    if (error.costMicros) parts.push(`The call was charged ${formatUsd(error.costMicros)}.`);
    const tags = [error.code, error.requestId && `request ${error.requestId}`].filter(Boolean).join(', ');
    return { message: `${parts.join(' ')}${tags ? ` (${tags})` : ''}`, exitCode: exitCodeForStatus(error.status, error.code) };
  }

  if (error instanceof Error && (error.name === 'KikuaiNetworkError' || error.name === 'KikuaiTimeoutError')) {
    const where = context.baseUrl ? ` ${context.baseUrl}` : ' the server';
    const what = error.name === 'KikuaiTimeoutError' ? `Timed out waiting for${where}` : `Could not reach${where}`;
    return { message: `${what}. Is it running? Point to another with --base-url or KIKUAI_BASE_URL.`, exitCode: ExitCode.error };
  }

  const message = error instanceof Error ? error.message : String(error);
  return { message: endSentence(message || 'Unknown error'), exitCode: ExitCode.error };
}
