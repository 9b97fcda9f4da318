/**
 * Paddle-Signature verification against the public vectors of paddle-node-sdk's own
 * tests (../shared/vectors/README.md), with their clock pinned (2023-11-01T00:00:00Z,
 * five seconds of tolerance), plus rotation, staleness and malformed headers.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyPaddleSignature } from '../../src/payments/paddle-signature.js';

const PINNED = { nowSeconds: Date.parse('2023-11-01T00:00:00Z') / 1000, toleranceSeconds: 5 };
const VALID_SECRET = 'VALID_SECRET';

describe('Paddle-Signature: public vectors', () => {
  it('accepts the SDK test body and header', () => {
    const check = verifyPaddleSignature('{"data": ["1", "2"]}', 'ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9', {
      ...PINNED,
      secrets: [VALID_SECRET],
    });
    expect(check).toEqual({ ok: true, timestamp: 1698796800 });
  });

  it('accepts several h1 and ignores an unknown h2', () => {
    const header =
      'ts=1698796800;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h1=28981e941fae76e53db32f3d2a83cb69db41476595e84e1970a1b5d98f62b261;h2=RANDOM_HASH';
    expect(verifyPaddleSignature('{"data": "value"}', header, { ...PINNED, secrets: [VALID_SECRET] }).ok).toBe(true);
  });

  it('refuses the wrong secret', () => {
    const check = verifyPaddleSignature('{"data": ["1", "2"]}', 'ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9', {
      ...PINNED,
      secrets: ['INVALID_VALID_SECRET'],
    });
    expect(check).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses the body with spaces added', () => {
    const check = verifyPaddleSignature('{ "data": [ "1", "2" ]}', 'ts=1698796800;h1=a300428748dce5c70e4da19bffd60769591ea969c99dea3105d0ec9612cf43f9', {
      ...PINNED,
      secrets: [VALID_SECRET],
    });
    expect(check).toEqual({ ok: false, reason: 'mismatch' });
  });

  it('refuses ts=1234;h1=invalid_signature', () => {
    expect(verifyPaddleSignature('{"data": ["1", "2"]}', 'ts=1234;h1=invalid_signature', { ...PINNED, secrets: [VALID_SECRET] }).ok).toBe(false);
    // Even with a clock that makes the timestamp fresh, the signature is no hex HMAC.
    expect(
      verifyPaddleSignature('{"data": ["1", "2"]}', 'ts=1234;h1=invalid_signature', { nowSeconds: 1234, toleranceSeconds: 5, secrets: [VALID_SECRET] }),
    ).toEqual({ ok: false, reason: 'mismatch' });
  });
});

describe('Paddle-Signature: rotation, clock and malformed headers', () => {
  const body = '{"event_id":"evt_1","event_type":"transaction.completed","data":{}}';
  const sign = (secret: string, ts: number) => `ts=${ts};h1=${createHmac('sha256', secret).update(`${ts}:${body}`).digest('hex')}`;
  const now = 1_750_000_000;
  const options = { nowSeconds: now, toleranceSeconds: 300 };

  it('accepts either of two secrets during a rotation, and an h1 of the old secret next to one of the new', () => {
    const secrets = ['new-secret-123', 'old-secret-456'];
    expect(verifyPaddleSignature(body, sign('new-secret-123', now), { ...options, secrets }).ok).toBe(true);
    expect(verifyPaddleSignature(body, sign('old-secret-456', now), { ...options, secrets }).ok).toBe(true);
    // Paddle sends one h1 per active secret; the match may be any of them, not just the last.
    const both = `${sign('old-secret-456', now)};h1=${'0'.repeat(64)}`;
    expect(verifyPaddleSignature(body, both, { ...options, secrets: ['old-secret-456'] }).ok).toBe(true);
    expect(verifyPaddleSignature(body, sign('third-secret', now), { ...options, secrets }).ok).toBe(false);
  });

  it('refuses a timestamp outside the tolerance, either way', () => {
    const secrets = ['s3cret-value'];
    expect(verifyPaddleSignature(body, sign('s3cret-value', now - 300), { ...options, secrets }).ok).toBe(true);
    expect(verifyPaddleSignature(body, sign('s3cret-value', now - 301), { ...options, secrets })).toEqual({ ok: false, reason: 'stale' });
    expect(verifyPaddleSignature(body, sign('s3cret-value', now + 301), { ...options, secrets })).toEqual({ ok: false, reason: 'stale' });
  });

  it('refuses missing and malformed headers, and answers not_configured without secrets', () => {
    const secrets = ['s3cret-value'];
    expect(verifyPaddleSignature(body, undefined, { ...options, secrets })).toEqual({ ok: false, reason: 'missing' });
    expect(verifyPaddleSignature(body, '', { ...options, secrets })).toEqual({ ok: false, reason: 'missing' });
    for (const header of ['garbage', `h1=${'a'.repeat(64)}`, `ts=${now}`, `ts=abc;h1=${'a'.repeat(64)}`]) {
      expect(verifyPaddleSignature(body, header, { ...options, secrets })).toEqual({ ok: false, reason: 'malformed' });
    }
    expect(verifyPaddleSignature(body, sign('s3cret-value', now), { ...options, secrets: [] })).toEqual({ ok: false, reason: 'not_configured' });
  });

  it('verifies the exact bytes: a Buffer body with non-ASCII text', () => {
    const text = '{"data":{"name":"Ёжик — 漢字"}}';
    const header = `ts=${now};h1=${createHmac('sha256', 'k3y-value').update(`${now}:${text}`).digest('hex')}`;
    expect(verifyPaddleSignature(Buffer.from(text, 'utf8'), header, { ...options, secrets: ['k3y-value'] }).ok).toBe(true);
    expect(verifyPaddleSignature(Buffer.from(text.replace('Ё', 'Е'), 'utf8'), header, { ...options, secrets: ['k3y-value'] }).ok).toBe(false);
  });
});
