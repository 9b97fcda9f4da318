/**
 * Verifies Paddle's `Paddle-Signature: ts=<unix seconds>;h1=<hex>[;h1=<hex>…]` over the
 * raw body: HMAC-SHA256 of `ts + ":" + body` with the notification destination's secret.
 *
 * We do this ourselves rather than with the SDK's `webhooks.unmarshal`, which compares
 * only the last `h1` (with `===`), accepts one secret (no rotation) and a fixed 5 s of
 * clock skew. Here every `h1` is compared in constant time against every configured
 * secret (two during a rotation), unknown schemes (`h2=…`) are ignored, and the
 * timestamp must lie within `toleranceSeconds` of the (injectable) clock, either way.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type SignatureFailure = 'missing' | 'malformed' | 'stale' | 'mismatch' | 'not_configured';

export type SignatureCheck = { ok: true; timestamp: number } | { ok: false; reason: SignatureFailure };

export interface VerifyOptions {
  secrets: readonly string[];
  toleranceSeconds: number;
  nowSeconds: number;
}

export function parseSignatureHeader(header: string): { timestamp: number; h1: string[] } | null {
  let timestamp: number | null = null;
  const h1: string[] = [];
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator <= 0) continue;
    const name = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (name === 'ts') {
      if (!/^\d{1,12}$/.test(value)) return null;
      timestamp = Number(value);
    } else if (name === 'h1') {
      h1.push(value.toLowerCase());
    }
  }
  if (timestamp === null || h1.length === 0) return null;
  return { timestamp, h1 };
}

export function verifyPaddleSignature(rawBody: Buffer | string, header: string | undefined, options: VerifyOptions): SignatureCheck {
  if (options.secrets.length === 0) return { ok: false, reason: 'not_configured' };
  if (!header) return { ok: false, reason: 'missing' };
  const parsed = parseSignatureHeader(header);
  if (!parsed) return { ok: false, reason: 'malformed' };
  if (Math.abs(options.nowSeconds - parsed.timestamp) > options.toleranceSeconds) return { ok: false, reason: 'stale' };

  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  const expected = options.secrets.map((secret) => createHmac('sha256', secret).update(`${parsed.timestamp}:`).update(body).digest());
  let matched = false;
  // Compare every candidate with every secret (no early exit) so timing says nothing.
  for (const candidate of parsed.h1) {
    const given = /^[0-9a-f]{64}$/.test(candidate) ? Buffer.from(candidate, 'hex') : Buffer.alloc(32);
    const wellFormed = given.length === 32 && /^[0-9a-f]{64}$/.test(candidate);
    for (const digest of expected) {
      if (timingSafeEqual(given, digest) && wellFormed) matched = true;
    }
  }
  return matched ? { ok: true, timestamp: parsed.timestamp } : { ok: false, reason: 'mismatch' };
}
