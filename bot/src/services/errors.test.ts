import { KikuaiError } from '@kikuai/sdk';
import { describe, expect, it } from 'vitest';
import { describeError } from './errors.js';

const problem = (status: number, code: string, headers: Record<string, string> = {}) =>
  new KikuaiError({ status, body: { code, title: code, detail: 'The server’s words.', request_id: 'req_1' }, headers: new Headers(headers) });

describe('describeError', () => {
  it('answers the codes a chat user can act on in the bot’s own words, never the server’s detail', () => {
    expect(describeError(problem(409, 'too_many_keys'))).toMatchObject({ key: 'error-too-many-keys', variables: {}, level: 'warn' });
    expect(describeError(problem(403, 'account_suspended'))).toMatchObject({ key: 'error-account-suspended', level: 'warn' });
  });

  it('answers other problems by status', () => {
    expect(describeError(problem(429, 'rate_limited', { 'Retry-After': '7' }))).toMatchObject({ key: 'error-rate-limited', variables: { seconds: 7 } });
    expect(describeError(problem(503, 'store_unavailable', { 'Retry-After': '3' }))).toMatchObject({ key: 'error-api-unavailable', variables: { seconds: 3 } });
    expect(describeError(problem(500, 'internal_error'))).toMatchObject({ key: 'error-internal', variables: { requestId: 'req_1' }, level: 'error' });
  });
});
