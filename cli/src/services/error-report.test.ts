import { describe, expect, it } from 'vitest';
import { reportError } from './error-report.js';
import { CliError, ExitCode, UsageError } from './exit-codes.js';

function apiError(status: number, body: { code: string; title: string; detail?: string; request_id?: string }, headers: Record<string, string> = {}) {
  return Object.assign(new Error(body.title), {
    name: 'KikuaiError',
    status,
    code: body.code,
    title: body.title,
    detail: body.detail,
    requestId: body.request_id,
    headers: new Headers(headers),
  });
}

describe('reportError', () => {
  it('maps API problems to the documented exit codes, in one line with the request id', () => {
    const revoked = reportError(apiError(401, { code: 'key_revoked', title: 'API key revoked', detail: 'This API key was revoked.', request_id: 'req_1' }));
    expect(revoked).toEqual({
      exitCode: 3,
      message:
        'This API key was revoked. Create a new key with `kikuai keys create` using another key, or in the bot (/api_key), and run `kikuai login` with it. (key_revoked, request req_1)',
    });

    const broke = reportError(
      apiError(402, { code: 'insufficient_balance', title: 'Insufficient balance', detail: 'The balance does not cover the price', request_id: 'req_2' }),
    );
    expect(broke.exitCode).toBe(ExitCode.paymentRequired);
    expect(broke.message).toBe('The balance does not cover the price. Top up with `kikuai topup --amount 10`. (insufficient_balance, request req_2)');

    expect(reportError(apiError(403, { code: 'account_suspended', title: 'Suspended' })).exitCode).toBe(3);
    expect(reportError(apiError(400, { code: 'invalid_amount', title: 'Bad amount' })).exitCode).toBe(2);
    expect(reportError(apiError(500, { code: 'internal_error', title: 'Oops' })).exitCode).toBe(1);
    expect(reportError(apiError(404, { code: 'not_found', title: 'Not found' })).message).not.toContain('\n');
  });

  it('says when to retry once: Retry-After when the server sent it, our words otherwise', () => {
    const limited = reportError(
      apiError(429, { code: 'rate_limited', title: 'Too many requests', detail: 'Rate limit of 60 requests reached (this key).' }, { 'retry-after': '7' }),
    );
    expect(limited).toEqual({ exitCode: 5, message: 'Rate limit of 60 requests reached (this key). Retry after 7 s. (rate_limited)' });

    const limitedNoHeader = reportError(apiError(429, { code: 'rate_limited', title: 'Too many requests' }));
    expect(limitedNoHeader.message).toBe('Too many requests. Wait a moment and try again. (rate_limited)');

    const detail = 'kikuai is briefly unavailable (its data store does not answer). Nothing was charged.';
    const down = reportError(apiError(503, { code: 'store_unavailable', title: 'Store unavailable', detail, request_id: 'req_3' }, { 'retry-after': '3' }));
    expect(down).toEqual({ exitCode: 6, message: `${detail} Retry after 3 s. (store_unavailable, request req_3)` });
  });

  it("adds its own next step to the server's detail, which names no command", () => {
    const notAllowed = reportError(
      apiError(403, {
        code: 'product_not_allowed',
        title: 'Product not allowed for this key',
        detail: 'This API key may not call ReliAPI: reliapi is not among its allowed_products.',
      }),
    );
    expect(notAllowed.message).toBe(
      'This API key may not call ReliAPI: reliapi is not among its allowed_products. Allow the product with `kikuai keys update KEY-ID --products …` (KEY-ID from `kikuai keys list`) using another key, or use a key that may call it. (product_not_allowed)',
    );
    const disabled = apiError(401, { code: 'key_disabled', title: 'API key disabled', detail: 'This API key is disabled.' });
    expect(reportError(disabled, { keyId: 'key_01ABC' }).message).toBe(
      'This API key is disabled. Enable it again with `kikuai keys update key_01ABC --enable` using another key. (key_disabled)',
    );
    for (const code of ['key_disabled', 'key_expired', 'product_not_allowed', 'permission_denied', 'too_many_keys', 'spend_limit_reached']) {
      expect(reportError(apiError(403, { code, title: code }), { keyId: 'key_01ABC' }).message).not.toMatch(/<\w+>/);
      expect(reportError(apiError(403, { code, title: code })).message).not.toMatch(/<\w+>/);
    }
    const suspended = reportError(apiError(403, { code: 'account_suspended', title: 'Account suspended', detail: 'This account is suspended.' }));
    expect(suspended.message).toBe('This account is suspended. Contact support (/support in the bot). (account_suspended)');
  });

  it('names the server when it cannot be reached', () => {
    const offline = Object.assign(new Error('fetch failed'), { name: 'KikuaiNetworkError' });
    expect(reportError(offline, { baseUrl: 'http://127.0.0.1:9' })).toEqual({
      exitCode: 1,
      message: 'Could not reach http://127.0.0.1:9. Is it running? Point to another with --base-url or KIKUAI_BASE_URL.',
    });
  });

  it('keeps the CLI’s own errors and their codes', () => {
    expect(reportError(new UsageError('Pass --yes.'))).toEqual({ exitCode: 2, message: 'Pass --yes.' });
    expect(reportError(new CliError('Not logged in.', 3))).toEqual({ exitCode: 3, message: 'Not logged in.' });
  });
});
