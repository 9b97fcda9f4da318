/**
 * Proxy request bodies are streamed to the upstream, never buffered: a 50 MB body must
 * not cost 50 MB of memory. The app's JSON parser buffers every body (with the app's
 * body limit), so for the proxy routes this preParsing hook keeps the raw request
 * stream for the handler and hands the parser a stand-in `{}` (which satisfies the
 * spec's free-form `ProxyRequestBody`). The stand-in reports the real length so
 * Fastify's Content-Length check still holds. The product's own `max_body_bytes` is
 * enforced by the proxy while it streams.
 */
import { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request body, unread, for the metered proxy to stream upstream. */
    proxiedBody?: Readable;
  }
}

export async function keepBodyStream(request: FastifyRequest, _reply: unknown, payload: Readable): Promise<Readable> {
  request.proxiedBody = payload;
  const standIn = Readable.from([Buffer.from('{}')]) as Readable & { receivedEncodedLength?: number };
  const length = Number(request.headers['content-length']);
  if (Number.isSafeInteger(length)) standIn.receivedEncodedLength = length;
  return standIn;
}
