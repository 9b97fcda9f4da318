import type { Client } from 'openapi-fetch';
import { KikuaiError } from '../errors.js';
import type { paths } from '../generated/schema.js';
import type { RequestOptions } from '../request-options.js';

/** What every resource is built from (internal). */
export interface ResourceContext {
  raw: Client<paths>;
  init(options: RequestOptions | undefined, idempotency?: 'generate'): RequestInitFor;
}

/** The per-request part of an openapi-fetch call. */
export type RequestInitFor = {
  signal?: AbortSignal;
  headers: Record<string, string>;
  fetch?: (input: Request) => Promise<Response>;
};

type FetchResult = { data?: unknown; error?: unknown; response: Response };

/** Returns the data of a successful answer; throws `KikuaiError` for an error answer. */
export async function unwrap<R extends FetchResult>(pending: Promise<R>): Promise<Exclude<R['data'], undefined>> {
  const { data, error, response } = await pending;
  if (error !== undefined || !response.ok) throw KikuaiError.fromResponse(response, error);
  return data as Exclude<R['data'], undefined>;
}

/** A random UUID, from `crypto.randomUUID` where it exists (Node 20, secure browser contexts). */
export function randomIdempotencyKey(): string {
  const cryptoObject = globalThis.crypto;
  if (typeof cryptoObject?.randomUUID === 'function') return cryptoObject.randomUUID();
  const bytes = new Uint8Array(16);
  cryptoObject.getRandomValues(bytes);
  bytes[6] = (bytes[6]! & 0x0f) | 0x40;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
